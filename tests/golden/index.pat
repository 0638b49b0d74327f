# Gather
kernel gather(x0: f32[5,3], x1: i64[2]) -> (y0: f32[2,3]) {
  map i0 in 0..2, i1 in 0..3 {
    ix = x1[i0]
    y0[i0,i1] = x0[select(ix < 0, ix + 5, ix),i1]
  }
}

