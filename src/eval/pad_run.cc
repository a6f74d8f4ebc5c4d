#include "eval/pad_run.h"

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "core/thread_annotations.h"
#include "eval/csv.h"

namespace facetrail::eval {
namespace {

constexpr size_t kMaxDetPoints = 200;

struct Scored {
  enum class Outcome { kScored, kNoFace, kUnreadable } outcome = Outcome::kUnreadable;
  std::vector<float> scores;  // one per model when kScored
};

Scored ScoreOne(const Engine& engine, const LivenessChecker& checker, const std::string& path,
                Env* env, uint64_t max_bytes) {
  Scored out;
  auto bytes = env->ReadFileToString(path, max_bytes);
  if (!bytes.ok()) return out;
  auto faces = engine.Detect(*bytes);
  if (!faces.ok()) return out;
  if (faces->empty()) {
    out.outcome = Scored::Outcome::kNoFace;
    return out;
  }
  auto scores = checker.Score(*bytes, faces->front());
  if (!scores.ok()) return out;
  for (const auto& s : *scores) out.scores.push_back(s.score);
  out.outcome = Scored::Outcome::kScored;
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

StatusOr<std::vector<PadLabel>> ParsePadLabels(std::string_view csv_text,
                                               const std::string& default_attack_type) {
  FT_ASSIGN_OR_RETURN(CsvTable t, ParseCsv(csv_text));
  auto image = t.Column("image"), label = t.Column("label");
  if (!image || !label) return InvalidArgumentError("labels CSV needs columns image and label");
  auto type = t.Column("attack_type"), subject = t.Column("subject");
  std::vector<PadLabel> out;
  out.reserve(t.rows.size());
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const auto& row = t.rows[i];
    PadLabel l;
    l.image = row[*image];
    if (l.image.empty()) {
      return InvalidArgumentError("labels CSV row " + std::to_string(i + 2) + ": empty image");
    }
    const std::string v = Lower(row[*label]);
    if (v == "live" || v == "bona_fide" || v == "bonafide" || v == "real") {
      l.attack = false;
    } else if (v == "attack" || v == "spoof") {
      l.attack = true;
      l.attack_type = type && !row[*type].empty() ? row[*type] : default_attack_type;
    } else {
      return InvalidArgumentError("labels CSV row " + std::to_string(i + 2) + ": label '" +
                                  row[*label] + "' is neither live nor attack");
    }
    if (subject) l.subject = row[*subject];
    out.push_back(std::move(l));
  }
  return out;
}

PadModelReport ComputePadModelReport(const std::string& model_id,
                                     const std::vector<PadSample>& samples, double target_apcer) {
  PadModelReport r;
  r.model_id = model_id;
  r.target_apcer = target_apcer;
  PadSplit split = SplitBySubject(samples);
  r.threshold = ThresholdForApcer(split.tune, target_apcer);
  r.tune = PadRatesAt(split.tune, r.threshold);
  r.test = PadRatesAt(split.test, r.threshold);
  r.test_eer = PadEqualErrorRate(split.test);
  r.test_auc = PadAuc(split.test);
  std::set<float> distinct;
  for (const auto& s : split.test) distinct.insert(s.score);
  std::vector<float> ts(distinct.begin(), distinct.end());
  const size_t step = std::max<size_t>(1, ts.size() / kMaxDetPoints);
  for (size_t i = 0; i < ts.size(); i += step) {
    PadRates p = PadRatesAt(split.test, ts[i]);
    r.test_det.emplace_back(p.apcer_max, p.bpcer.rate.estimate);
  }
  return r;
}

StatusOr<PadReport> RunPad(const Engine& engine, const LivenessChecker& checker,
                           const PadRunOptions& options) {
  Env* env = options.env != nullptr ? options.env : Env::Default();
  FT_ASSIGN_OR_RETURN(std::string csv, env->ReadFileToString(options.labels_csv, options.max_csv_bytes));
  FT_ASSIGN_OR_RETURN(std::vector<PadLabel> all, ParsePadLabels(csv, options.default_attack_type));
  std::vector<PadLabel> labels;
  const size_t every = std::max<size_t>(1, options.every);
  for (size_t i = 0; i < all.size(); i += every) labels.push_back(all[i]);

  std::vector<Scored> scored(labels.size());
  std::atomic<size_t> next{0};
  Mutex mu;
  size_t done = 0;
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < labels.size();) {
      scored[i] = ScoreOne(engine, checker, options.images_dir + "/" + labels[i].image, env,
                           options.max_image_bytes);
      MutexLock lock(&mu);
      ++done;
      if (options.progress) options.progress(done, labels.size());
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, options.threads); ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();

  PadReport report;
  report.samples = static_cast<int64_t>(labels.size());
  const std::vector<std::string> ids = checker.model_ids();
  std::vector<std::vector<PadSample>> per_model(ids.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    const PadLabel& l = labels[i];
    (l.attack ? report.attacks : report.bona_fide)++;
    switch (scored[i].outcome) {
      case Scored::Outcome::kUnreadable:
        ++report.unreadable;
        continue;
      case Scored::Outcome::kNoFace:
        (l.attack ? report.fta_attacks : report.fta_bona_fide)++;
        continue;
      case Scored::Outcome::kScored:
        break;
    }
    for (size_t m = 0; m < ids.size() && m < scored[i].scores.size(); ++m) {
      per_model[m].push_back({l.attack, l.attack_type, l.subject, scored[i].scores[m]});
    }
  }
  if (per_model.empty() || per_model[0].empty()) {
    return InvalidArgumentError("no presentation could be scored");
  }
  PadSplit split = SplitBySubject(per_model[0]);
  report.subject_disjoint = split.subject_disjoint;
  report.tune_subjects = split.tune_subjects;
  report.test_subjects = split.test_subjects;
  for (size_t m = 0; m < ids.size(); ++m) {
    bool have_bona = false, have_attack = false;
    for (const auto& s : per_model[m]) (s.attack ? have_attack : have_bona) = true;
    if (!have_bona || !have_attack) {
      return InvalidArgumentError("the labels leave no bona fide or no attack presentation to score");
    }
    report.models.push_back(ComputePadModelReport(ids[m], per_model[m], options.target_apcer));
  }
  return report;
}

}  // namespace facetrail::eval
