// Reference server for the transport benchmark: grpc-go serving bench.Echo from the
// echo.proto schemac exports. Prints "listening on HOST:PORT".
package main

import (
	"context"
	"fmt"
	"net"
	"os"

	"google.golang.org/grpc"

	pb "echo"
)

type echoServer struct {
	pb.UnimplementedEchoServer
}

func (echoServer) Echo(_ context.Context, request *pb.EchoMessage) (*pb.EchoMessage, error) {
	return request, nil
}

func main() {
	port := "0"
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	listener, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", listener.Addr())
	server := grpc.NewServer()
	pb.RegisterEchoServer(server, echoServer{})
	if err := server.Serve(listener); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
