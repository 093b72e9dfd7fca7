// Command tradepipe runs scheduled ingest jobs for trade statistics into a
// Parquet data lake. See the README for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	// The first SIGINT/SIGTERM cancels ctx (a graceful stop); a second one
	// exits at once.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-sigs
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "tradepipe: second signal: exiting now")
		os.Exit(exitFailed)
	}()
	stop := startCPUProfile(os.Getenv("TRADEPIPE_CPUPROFILE"))
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	cancel()
	stop()
	os.Exit(code)
}

// startCPUProfile writes a CPU profile of the whole process to path when
// it is set (for bench/ and docs/BENCHMARKS.md; an environment variable,
// not a flag, so every command has it); the returned func ends it.
func startCPUProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "tradepipe: TRADEPIPE_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}
