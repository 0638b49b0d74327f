# Add
kernel add(x0: f32[2,3], x1: f32[3]) -> (y0: f32[2,3]) {
  map i0 in 0..2, i1 in 0..3 {
    y0[i0,i1] = x0[i0,i1] + x1[i1]
  }
}

# Relu
kernel relu(x0: f32[4]) -> (y0: f32[4]) {
  map i0 in 0..4 {
    y0[i0] = max(x0[i0], 0.0)
  }
}

# Where
kernel where(x0: bool[2,1], x1: f32[2,3], x2: f32[]) -> (y0: f32[2,3]) {
  map i0 in 0..2, i1 in 0..3 {
    y0[i0,i1] = select(x0[i0,0], x1[i0,i1], x2[])
  }
}

