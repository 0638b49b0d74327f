// Tokens of the Pattern IR text form, for the parser (parser.cpp). Names are
// [A-Za-z_][A-Za-z0-9_]* or double-quoted with \" \\ \xHH escapes; numbers
// are unsigned (the parser folds a leading '-'); `#` starts a comment.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::pattern::text {

enum class Tok : uint8_t { Name, Quoted, Number, Punct, End };

struct Token {
  Tok kind = Tok::End;
  std::string text;  // Quoted: the unescaped name
  int line = 1, col = 1;
};

// The tokens of `text`, ending with one End token. Throws Error on a bad character.
std::vector<Token> lex(const std::string& text);

// Throws Error("line L, column C: what").
[[noreturn]] void fail_at(int line, int col, const std::string& what);

}  // namespace tessera::pattern::text
