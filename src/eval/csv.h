// A small CSV reader for evaluation inputs (pairs lists, label files): RFC 4180 fields,
// double-quoted fields with "" escapes, LF or CRLF line ends, a mandatory header row.
// Inputs may come from anywhere, so sizes are bounded (options) and every row must have
// exactly as many fields as the header.
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_EVAL_CSV_H_
#define FACETRAIL_EVAL_CSV_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/status.h"

namespace facetrail::eval {

struct CsvLimits {
  size_t max_rows = 10'000'000;
  size_t max_columns = 256;
  size_t max_field_bytes = 4096;
};

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  // Index of the named column, or nullopt.
  std::optional<size_t> Column(std::string_view name) const;
};

// kInvalidArgument (with the 1-based line number) on malformed input or a limit hit.
StatusOr<CsvTable> ParseCsv(std::string_view text, const CsvLimits& limits = {});

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_CSV_H_
