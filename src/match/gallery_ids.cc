// Validation of user-supplied identity ids and record references (declared in gallery.h).
#include <string>

#include "facetrail/gallery.h"

namespace facetrail {

Status ValidateIdentityId(std::string_view id) {
  if (id.empty()) return InvalidArgumentError("identity id is empty");
  if (id.size() > kMaxIdentityIdLength) {
    return InvalidArgumentError("identity id longer than " +
                                std::to_string(kMaxIdentityIdLength) + " characters");
  }
  if (id.front() == '-' || id.front() == '.') {
    return InvalidArgumentError("identity id must not start with '-' or '.'");
  }
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '@' || c == '-';
    if (!ok) {
      return InvalidArgumentError("identity id may hold only letters, digits and . _ : @ -");
    }
  }
  return Status::Ok();
}

Status ValidateRecordRef(std::string_view ref) {
  if (ref.size() > kMaxRecordRefLength) {
    return InvalidArgumentError("record reference longer than " +
                                std::to_string(kMaxRecordRefLength) + " characters");
  }
  for (char c : ref) {
    if (c < 0x20 || c > 0x7e) {
      return InvalidArgumentError("record reference must be printable ASCII");
    }
  }
  return Status::Ok();
}

}  // namespace facetrail
