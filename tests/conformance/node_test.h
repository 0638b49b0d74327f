// One ONNX backend node test: a directory holding model.onnx and
// test_data_set_N/{input,output}_K.pb. describe_node_test reads the model's
// graph signature straight from the protobuf (so a test can be attributed to
// its operator even when Tessera rejects the model); run_node_test imports,
// lowers and executes it with Tessera and compares like ONNX's backend test.
//
// Tessera compiles static shapes, so an input that decides an output shape
// (Reshape's shape, Slice's starts, TopK's k...) must be a constant. Node
// tests often feed those as graph inputs. When Tessera says "'NAME' must be
// a constant", the runner freezes that input to its test value (it becomes an
// initializer of a temporary copy of the model) and tries again; the result
// lists the frozen inputs. Any other error is reported as it is.
#pragma once

#include <string>
#include <vector>

namespace tessera::conformance {

struct NodeTest {
  std::string name;  // the directory name, e.g. "test_add_bcast"
  std::string dir;
  std::string op;    // op_type of a single-node model; "" for multi-node graphs
  std::vector<std::string> input_names;   // graph inputs, in file order (input_K.pb)
  std::vector<bool> input_is_float;       // per input: a floating-point tensor type
  std::vector<std::string> output_names;  // graph outputs (output_K.pb)
};

enum class Outcome { Passed, Failed, Skipped };

struct Result {
  Outcome outcome = Outcome::Failed;
  std::string message;              // why it failed or was skipped; one line
  std::vector<std::string> frozen;  // inputs frozen to their test values
};

// Throws Error when model.onnx is missing or not a ModelProto.
NodeTest describe_node_test(const std::string& dir);

// True for Tessera errors that mean "this model uses something we do not
// support" (operator, dtype, data-dependent shape, training mode, a
// non-default operator domain) rather than "we got it wrong": the message
// starts with "unsupported operators" or says "unsupported dtype", "is/are not
// supported", "does not support" or "does not import the default ONNX opset".
bool is_unsupported_error(const std::string& message);

// The inputs to freeze after `message` (a Tessera error): the one it names
// when that is a graph input not yet frozen; otherwise every unfrozen integer
// input (the named value is computed from them). Empty when `message` is not
// a must-be-constant error or nothing is left to freeze.
std::vector<std::string> inputs_to_freeze(const std::string& message, const NodeTest& test,
                                          const std::vector<std::string>& frozen);

Result run_node_test(const NodeTest& test, bool allow_freeze = true);

}  // namespace tessera::conformance
