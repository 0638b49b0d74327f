# Softmax
kernel softmax(x0: f32[2,8]) -> (y0: f32[2,8]) {
  map i0 in 0..2 {
    m = reduce max k0 in 0..8 { x0[i0,k0] }
    s = reduce add k01 in 0..8 { exp(x0[i0,k01] - m) }
    map j0 in 0..8 {
      y0[i0,j0] = exp(x0[i0,j0] - m) / s
    }
  }
}

# LayerNormalization
kernel layernormalization(x0: f32[2,8], x1: f32[8], x2: f32[8]) -> (y0: f32[2,8]) {
  map i0 in 0..2 {
    mean = reduce add k0 in 0..8 { x0[i0,k0] } / 8.0
    var = reduce add k01 in 0..8 { (x0[i0,k01] - mean) * (x0[i0,k01] - mean) } / 8.0
    inv = recip(sqrt(var + 1e-05))
    map j0 in 0..8 {
      y0[i0,j0] = (x0[i0,j0] - mean) * inv * x1[j0] + x2[j0]
    }
  }
}

