#include "vision/net_pool.h"

#include <fstream>
#include <iterator>

#include "facetrail/encoding.h"

namespace facetrail::vision {

StatusOr<std::unique_ptr<NetPool>> NetPool::Load(const std::string& path,
                                                 const std::string& expected_sha256_hex) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError("cannot open model file " + path);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  if (in.bad()) return IOError("cannot read model file " + path);
  std::string actual = Sha256Hex(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  if (actual != expected_sha256_hex) {
    return DataLossError("model file " + path + " has SHA-256 " + actual +
                         " but the manifest says " + expected_sha256_hex +
                         "; refusing to load it");
  }
  std::unique_ptr<NetPool> pool(new NetPool(std::move(bytes)));
  FT_ASSIGN_OR_RETURN(auto net, pool->NewNet());
  pool->Return(std::move(net));
  return pool;
}

StatusOr<std::unique_ptr<cv::dnn::Net>> NetPool::NewNet() const {
  try {
    auto net = std::make_unique<cv::dnn::Net>(cv::dnn::readNetFromONNX(
        reinterpret_cast<const char*>(bytes_.data()), bytes_.size()));
    if (net->empty()) return InvalidArgumentError("OpenCV built an empty network");
    net->setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net->setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return net;
  } catch (const cv::Exception& e) {
    return InvalidArgumentError(std::string("OpenCV cannot load the ONNX model: ") + e.what());
  }
}

void NetPool::Return(std::unique_ptr<cv::dnn::Net> net) {
  MutexLock lock(&mu_);
  idle_.push_back(std::move(net));
}

StatusOr<NetPool::Lease> NetPool::Borrow() {
  {
    MutexLock lock(&mu_);
    if (!idle_.empty()) {
      auto net = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(net));
    }
  }
  auto net = NewNet();
  if (!net.ok()) return InternalError(net.status().message());
  return Lease(this, std::move(net).value());
}

NetPool::Lease::~Lease() {
  if (net_ != nullptr) pool_->Return(std::move(net_));
}

}  // namespace facetrail::vision
