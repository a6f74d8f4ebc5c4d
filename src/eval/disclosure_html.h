// The disclosure report as one self-contained HTML page (index.html): a plain-language
// summary first, for readers who are not statisticians (a city council, a defendant's
// counsel), then the plots (DET, per-group FMR/FNMR bars with confidence whiskers, the
// error-versus-reject curve, PAD), then the tables. Rendered only from the signed JSON
// document, so the page cannot say anything the signature does not cover. No scripts, no
// external resources.
//
// Thread-safety: pure function.
#ifndef FACETRAIL_EVAL_DISCLOSURE_HTML_H_
#define FACETRAIL_EVAL_DISCLOSURE_HTML_H_

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace facetrail::eval {

struct HtmlSigning {
  std::string json_sha256;   // hex of disclosure.json
  std::string verifier_key;  // vkey that signed disclosure.json.sig
  bool key_generated = false;  // the key was made for this run (not an agency key)
};

std::string RenderDisclosureHtml(const nlohmann::json& doc, const HtmlSigning& signing);

// "1 in 10,000" style phrasing of a rate (rounded to 2 significant figures); "none
// observed" for 0.
std::string OneInN(double rate);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_DISCLOSURE_HTML_H_
