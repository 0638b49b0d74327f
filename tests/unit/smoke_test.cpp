#include <gtest/gtest.h>
#include "tessera/support/tensor.h"
TEST(Tensor, Shape) { EXPECT_EQ(tessera::Tensor(tessera::DType::F32, {2, 3}).size(), 6); }
