// A pool of OpenCV dnn networks for one ONNX model. cv::dnn::Net is not thread-safe, so
// each inference borrows a Net for its duration; nets are created lazily from the model
// bytes (read and SHA-256-verified once, at load) and returned to the pool afterwards.
// The pool never holds more nets than the peak number of concurrent borrowers.
//
// Thread-safety: Borrow() is safe from any thread; a Lease is used by one thread.
#ifndef FACETRAIL_VISION_NET_POOL_H_
#define FACETRAIL_VISION_NET_POOL_H_

#include <memory>
#include <string>
#include <vector>

#include <opencv2/dnn.hpp>

#include "core/thread_annotations.h"
#include "facetrail/status.h"

namespace facetrail::vision {

class NetPool {
 public:
  // Reads `path`, refuses it (kDataLoss) unless its SHA-256 equals `expected_sha256_hex`,
  // and checks that OpenCV can build a network from it (kInvalidArgument otherwise).
  // kIOError when the file cannot be read.
  static StatusOr<std::unique_ptr<NetPool>> Load(const std::string& path,
                                                 const std::string& expected_sha256_hex);

  // A borrowed network, returned to the pool on destruction.
  class Lease {
   public:
    Lease(NetPool* pool, std::unique_ptr<cv::dnn::Net> net) : pool_(pool), net_(std::move(net)) {}
    Lease(Lease&&) = default;
    ~Lease();
    cv::dnn::Net& net() { return *net_; }

   private:
    NetPool* pool_;
    std::unique_ptr<cv::dnn::Net> net_;
  };

  // kInternal if OpenCV fails to build a network (already checked once at Load).
  StatusOr<Lease> Borrow();

 private:
  explicit NetPool(std::vector<unsigned char> bytes) : bytes_(std::move(bytes)) {}
  StatusOr<std::unique_ptr<cv::dnn::Net>> NewNet() const;
  void Return(std::unique_ptr<cv::dnn::Net> net);

  const std::vector<unsigned char> bytes_;  // the verified ONNX file
  Mutex mu_;
  std::vector<std::unique_ptr<cv::dnn::Net>> idle_ GUARDED_BY(mu_);
};

}  // namespace facetrail::vision

#endif  // FACETRAIL_VISION_NET_POOL_H_
