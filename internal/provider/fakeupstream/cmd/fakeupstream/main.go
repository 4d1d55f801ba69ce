// Command fakeupstream serves the fake OpenAI-compatible upstream on a
// local port and prints its base URL on the first line of stdout, for the
// Node SDK tests and manual experiments.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/fledgling-ai/fledgling/internal/provider/fakeupstream"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fake := fakeupstream.New()
	fake.Record = false
	fmt.Printf("http://%s/v1\n", ln.Addr())
	if err := http.Serve(ln, fake); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
