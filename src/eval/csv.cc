#include "eval/csv.h"

namespace facetrail::eval {

std::optional<size_t> CsvTable::Column(std::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  return std::nullopt;
}

StatusOr<CsvTable> ParseCsv(std::string_view text, const CsvLimits& limits) {
  CsvTable table;
  std::vector<std::string> row;
  std::string field;
  size_t line = 1;
  size_t i = 0;
  auto error = [&](const std::string& what) {
    return InvalidArgumentError("csv line " + std::to_string(line) + ": " + what);
  };
  // Strip a UTF-8 byte order mark, which spreadsheet exports add.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  bool row_has_content = false;
  auto end_row = [&]() -> Status {
    row.push_back(std::move(field));
    field.clear();
    if (table.header.empty()) {
      table.header = std::move(row);
    } else {
      if (row.size() != table.header.size()) {
        return error("expected " + std::to_string(table.header.size()) + " fields, got " +
                     std::to_string(row.size()));
      }
      if (table.rows.size() >= limits.max_rows) return error("too many rows");
      table.rows.push_back(std::move(row));
    }
    row.clear();
    row_has_content = false;
    return Status::Ok();
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '"' && field.empty()) {
      // Quoted field.
      ++i;
      row_has_content = true;
      while (true) {
        if (i >= text.size()) return error("unterminated quoted field");
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field.push_back(text[i++]);
        if (field.size() > limits.max_field_bytes) return error("field too long");
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        return error("characters after a closing quote");
      }
      continue;
    }
    if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      row_has_content = true;
      if (row.size() >= limits.max_columns) return error("too many columns");
      ++i;
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++i;
      if (row_has_content || !field.empty()) FT_RETURN_IF_ERROR(end_row());
      ++line;
      continue;
    }
    field.push_back(c);
    row_has_content = true;
    if (field.size() > limits.max_field_bytes) return error("field too long");
    ++i;
  }
  if (row_has_content || !field.empty()) FT_RETURN_IF_ERROR(end_row());
  if (table.header.empty()) return InvalidArgumentError("csv: empty input (no header)");
  return table;
}

}  // namespace facetrail::eval
