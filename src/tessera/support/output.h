// Files and folders Tessera creates for the user (--out, --output-dir, -o).
// A folder that exists as a file, or a dangling symlink, is a user error named
// with the flag; files are created without following symlinks, so a link
// planted in an output folder cannot redirect a write elsewhere.
#pragma once

#include <string>
#include <string_view>

namespace tessera {

// Fails (Error) when `dir` cannot be an output folder: an existing file, or a
// symlink to nothing. Creates nothing, so commands call it before their work.
void check_output_dir(const std::string& dir, std::string_view flag);

// check_output_dir, then creates `dir` (and its parents) if needed. `flag` names the option the
// folder came from, for the message ("--out").
void prepare_output_dir(const std::string& dir, std::string_view flag);

// Writes `head` then `body` to a new or truncated regular file at `path`;
// fails (Error) when `path` is a symlink, a folder, or cannot be written.
void write_output_file(const std::string& path, std::string_view head, std::string_view body = {});

// Removes `dir/name` if it is a regular file an earlier run left there (e.g. a
// trace.json that this run does not write), so one folder never mixes runs.
void remove_stale_output(const std::string& dir, const std::string& name);

// The file name for a tensor named `name`: letters, digits, '.', '-' and '_'
// are kept, every other byte becomes %XX, so distinct names ("a/b", "a_b")
// never share a file and no name can leave the folder.
std::string file_name_for_tensor(const std::string& name);

}  // namespace tessera
