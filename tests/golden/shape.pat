# Transpose
kernel transpose(x0: f32[2,3,4]) -> (y0: f32[4,2,3]) {
  map i0 in 0..4, i1 in 0..2, i2 in 0..3 {
    y0[i0,i1,i2] = x0[i1,i2,i0]
  }
}

# Reshape
kernel reshape(x0: f32[2,6], x1: i64[2]) -> (y0: f32[3,4]) {
  map i0 in 0..3, i1 in 0..4 {
    y0[i0,i1] = x0[(i0 * 4 + i1) / 6,mod(i0 * 4 + i1, 6)]
  }
}

# Concat
kernel concat(x0: f32[2,3], x1: f32[2,2]) -> (y0: f32[2,5]) {
  map i0 in 0..2, i1 in 0..3 {
    y0[i0,i1] = x0[i0,i1]
  }
  map i01 in 0..2, i11 in 0..2 {
    y0[i01,i11 + 3] = x1[i01,i11]
  }
}

