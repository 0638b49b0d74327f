# Conv
kernel conv(x0: f32[1,2,5,5], x1: f32[3,2,3,3]) -> (y0: f32[1,3,5,5]) {
  map n in 0..1, m in 0..3, o0 in 0..5, o1 in 0..5 {
    y0[n,m,o0,o1] = reduce add k0 in 0..3, k1 in 0..3, c in 0..2 { select(o0 + (k0 - 1) >= 0 && o0 + (k0 - 1) < 5 && (o1 + (k1 - 1) >= 0 && o1 + (k1 - 1) < 5), x0[n,c,min(max(o0 + (k0 - 1), 0), 4),min(max(o1 + (k1 - 1), 0), 4)], 0.0) * x1[m,c,k0,k1] }
  }
}

# MaxPool
kernel max_pool(x0: f32[1,1,4,4]) -> (y0: f32[1,1,2,2]) {
  map n in 0..1, c in 0..1, o0 in 0..2, o1 in 0..2 {
    m = reduce max k0 in 0..2, k1 in 0..2 { x0[n,c,o0 * 2 + k0,o1 * 2 + k1] }
    y0[n,c,o0,o1] = m
  }
}

