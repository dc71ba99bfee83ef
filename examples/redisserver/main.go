// Command redisserver is a Redis-compatible server built only from bedrock
// pieces: a conn.Server on the platform's default transport (netpoll on
// Linux) or on sockets, each connection's Pipe view read with a
// protocol.Reader whose codec slices each command's arguments out of the
// input in one pass (resp's ParseCommand, Parse for the rare command that
// spans segments) and answered with resp's Append functions through a
// writer.Cursor, one flush per batch of pipelined commands.
//
// It keeps string keys in memory and knows PING, ECHO, SET (with NX, XX,
// EX, PX and KEEPTTL), GET, DEL, EXISTS, MGET, INCR, DECR, INCRBY, DECRBY,
// DBSIZE, FLUSHDB, FLUSHALL, SELECT 0, HELLO 2 and 3, QUIT, and enough of
// COMMAND and CONFIG GET for redis-cli and redis-benchmark. Inline
// commands ("PING" typed into telnet) work too.
//
// Usage:
//
//	go run ./examples/redisserver -addr 127.0.0.1:6380 [-transport auto|socket] [-v] [-cpuprofile file]
//	redis-cli -p 6380 set greeting hello
//	redis-benchmark -p 6380 -t ping,set,get -n 100000 -P 16 -q
//
// -v logs each connection that ends with an error (malformed input, for
// one); -cpuprofile writes a CPU profile of the whole run. SIGINT or
// SIGTERM shuts the server down gracefully: it stops accepting, lets each
// connection finish the commands it received, and aborts the connections
// still open after five seconds.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6380", "address to listen on")
	transport := flag.String("transport", "auto", "transport: auto (netpoll on Linux) or socket")
	verbose := flag.Bool("v", false, "log every connection that ends with an error")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			logger.Error("redisserver: cpu profile", "err", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *transport, logger, nil); err != nil {
		logger.Error("redisserver: failed", "err", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}
