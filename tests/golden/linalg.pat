# MatMul
kernel matmul(x0: f32[2,3], x1: f32[3,4]) -> (y0: f32[2,4]) {
  map i in 0..2, j in 0..4 {
    y0[i,j] = reduce add k in 0..3 { x0[i,k] * x1[k,j] }
  }
}

