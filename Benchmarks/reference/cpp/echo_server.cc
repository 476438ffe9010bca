// Reference server for the transport benchmark: gRPC C++ (callback API, the faster one),
// serving bench.Echo from the echo.proto schemac exports. Prints "listening on HOST:PORT".
#include <cstdio>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "echo.grpc.pb.h"

class EchoService final : public bench::Echo::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const bench::EchoMessage* request,
                                 bench::EchoMessage* response) override {
    *response = *request;
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

int main(int argc, char** argv) {
  std::string port = argc > 1 ? argv[1] : "0";
  EchoService service;
  grpc::ServerBuilder builder;
  int selected = 0;
  builder.AddListeningPort("127.0.0.1:" + port, grpc::InsecureServerCredentials(), &selected);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  std::printf("listening on 127.0.0.1:%d\n", selected);
  std::fflush(stdout);
  server->Wait();
  return 0;
}
