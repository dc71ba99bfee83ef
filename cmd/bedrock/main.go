// Command bedrock runs bedrock's demonstrations and tools.
//
// Usage:
//
//	bedrock pipe-demo [-size 1024] [-mb 256]
//
// pipe-demo streams -mb MiB of messages of -size bytes from a writer
// goroutine to a reader goroutine, once through a bedrock pipe and once
// through io.Pipe, checks that every byte arrived intact, and prints the
// throughput of both.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bedrock:", err)
		os.Exit(2)
	}
}

const usage = `usage: bedrock <command> [flags]

commands:
  pipe-demo   stream messages through a bedrock pipe and io.Pipe, print throughput`

func run(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "pipe-demo":
		fs := flag.NewFlagSet("pipe-demo", flag.ContinueOnError)
		fs.SetOutput(out)
		size := fs.Int("size", 1024, "message size in bytes")
		mb := fs.Int("mb", 256, "MiB to stream")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *size <= 0 || *mb <= 0 {
			return errors.New("pipe-demo: -size and -mb must be positive")
		}
		return pipeDemo(out, *size, int64(*mb)<<20)
	default:
		return fmt.Errorf("unknown command %q\n%s", args[0], usage)
	}
}
