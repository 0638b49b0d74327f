// Lexer of the Pattern IR text form (see text_lexer.h).
#include "tessera/pattern/text_lexer.h"

#include <charconv>

#include "tessera/support/error.h"

namespace tessera::pattern::text {

[[noreturn]] void fail_at(int line, int col, const std::string& what) {
  fail("line {}, column {}: {}", line, col, what);
}

namespace {

bool is_name_char(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  explicit Lexer(const std::string& text) : s_(text) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    for (skip_space(); i_ < s_.size(); skip_space()) out.push_back(next());
    out.push_back({Tok::End, "", line_, col()});
    return out;
  }

 private:
  int col() const { return static_cast<int>(i_ - line_start_) + 1; }

  void skip_space() {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '#') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (c == '\n') {
        ++line_;
        line_start_ = ++i_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++i_;
      } else {
        return;
      }
    }
  }

  Token next() {
    Token t{Tok::Punct, "", line_, col()};
    const char c = s_[i_];
    const size_t start = i_;
    if (is_digit(c)) {
      t.kind = Tok::Number;
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
      if (i_ + 1 < s_.size() && s_[i_] == '.' && is_digit(s_[i_ + 1])) {  // not `0..8`
        ++i_;
        while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
      }
      if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
        size_t j = i_ + 1;
        if (j < s_.size() && (s_[j] == '+' || s_[j] == '-')) ++j;
        if (j >= s_.size() || !is_digit(s_[j])) fail_at(line_, col(), "expected digits after the exponent 'e'");
        for (i_ = j; i_ < s_.size() && is_digit(s_[i_]);) ++i_;
      }
    } else if (is_name_char(c)) {
      t.kind = Tok::Name;
      while (i_ < s_.size() && is_name_char(s_[i_])) ++i_;
    } else if (c == '"') {
      t.kind = Tok::Quoted;
      t.text = quoted();
      return t;
    } else {
      static const char* const kPuncts[] = {"->", "..", "<=", ">=", "==", "!=", "&&", "||", "+=", "*=",
                                            "(",  ")",  "[",  "]",  "{",  "}",  ",",  ":",  "=",  "+",
                                            "-",  "*",  "/",  "<",  ">",  "!",  "%"};
      for (const char* p : kPuncts)
        if (s_.compare(i_, std::char_traits<char>::length(p), p) == 0) {
          i_ += std::char_traits<char>::length(p);
          t.text = p;
          return t;
        }
      fail_at(t.line, t.col, fmt::format("unexpected character '{}'", c));
    }
    t.text = s_.substr(start, i_ - start);
    return t;
  }

  std::string quoted() {
    const int line = line_, column = col();
    std::string out;
    for (++i_; i_ < s_.size() && s_[i_] != '"' && s_[i_] != '\n'; ++i_) {
      if (s_[i_] != '\\') {
        out += s_[i_];
        continue;
      }
      if (i_ + 1 < s_.size() && (s_[i_ + 1] == '"' || s_[i_ + 1] == '\\')) {
        out += s_[++i_];
      } else if (i_ + 3 < s_.size() && s_[i_ + 1] == 'x') {
        unsigned v = 0;
        auto r = std::from_chars(s_.data() + i_ + 2, s_.data() + i_ + 4, v, 16);
        if (r.ec != std::errc() || r.ptr != s_.data() + i_ + 4) fail_at(line_, col(), "bad \\x escape in name");
        out += static_cast<char>(v);
        i_ += 3;
      } else {
        fail_at(line_, col(), "bad escape in name (use \\\", \\\\ or \\xHH)");
      }
    }
    if (i_ >= s_.size() || s_[i_] != '"') fail_at(line, column, "unterminated quoted name");
    ++i_;
    return out;
  }

  const std::string& s_;
  size_t i_ = 0, line_start_ = 0;
  int line_ = 1;
};

}  // namespace

std::vector<Token> lex(const std::string& text) { return Lexer(text).run(); }

}  // namespace tessera::pattern::text
