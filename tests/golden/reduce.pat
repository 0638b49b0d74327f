# ReduceSum
kernel reduce_sum(x0: f32[2,3,4], x1: i64[1]) -> (y0: f32[2,4]) {
  map i0 in 0..2, i1 in 0..4 {
    y0[i0,i1] = reduce add k0 in 0..3 { x0[i0,k0,i1] }
  }
}

