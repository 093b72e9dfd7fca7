package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/tradepipe/tradepipe/internal/redact"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal (a person reads it).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// console is stderr as the logs and the progress bar share it: a log line
// first erases the bar and then redraws it below, so neither overwrites
// the other.
type console struct {
	mu  sync.Mutex
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bar != nil {
		_ = c.bar.Clear()
	}
	n, err := c.w.Write(p)
	if c.bar != nil {
		_ = c.bar.RenderBlank()
	}
	return n, err
}

// withBar runs f on the bar under the console's lock, so a bar update never
// lands in the middle of a log line.
func (c *console) withBar(f func(*progressbar.ProgressBar)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bar != nil {
		f(c.bar)
	}
}

// startBar shows a progress bar of total steps until the returned stop.
func (c *console) startBar(total int, desc string) (stop func()) {
	c.mu.Lock()
	c.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(c.w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionClearOnFinish(),
	)
	_ = c.bar.RenderBlank()
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		_ = c.bar.Clear()
		c.bar = nil
	}
}

// logger returns the process's logger. On a terminal: readable lines at
// warn level unless -v or --log-level say otherwise, each warning once,
// through the console. Otherwise JSON at info level, as collectors expect.
// Durations are logged as durations ("1.5s") either way.
func (g *globals) logger() (*slog.Logger, error) {
	tty := isTerminal(g.stderr)
	// Secrets of the environment (API keys, tokens) never reach a log line.
	scrub := redact.New(redact.EnvSecrets(os.Environ())...)
	level := slog.LevelInfo
	if tty {
		level = slog.LevelWarn
	}
	switch g.verbose {
	case 0:
	case 1:
		level = slog.LevelInfo
	default:
		level = slog.LevelDebug
	}
	if g.logLevel != "" {
		if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
			return nil, usageError{fmt.Sprintf("--log-level %q is not debug, info, warn or error", g.logLevel)}
		}
	}
	if !tty {
		return slog.New(scrub.Handler(traceHandler{slog.NewJSONHandler(g.stderr, &slog.HandlerOptions{Level: level, ReplaceAttr: durationText})})), nil
	}
	if g.console == nil {
		g.console = &console{w: g.stderr}
	}
	h := slog.NewTextHandler(g.console, &slog.HandlerOptions{Level: level, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.String(slog.TimeKey, a.Value.Time().Format("15:04:05"))
		}
		return a
	}})
	return slog.New(scrub.Handler(traceHandler{&onceHandler{Handler: h, seen: &sync.Map{}}})), nil
}

// durationText logs a duration as "1m30s", not as nanoseconds.
func durationText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

// onceHandler is the terminal's handler: it prints each warning once, and
// leaves out warnings that belong to a partition's result (the "warning"
// attribute), since the run's summary lists those.
type onceHandler struct {
	slog.Handler
	seen  *sync.Map
	attrs string
}

func (h *onceHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		var b strings.Builder
		b.WriteString(h.attrs)
		b.WriteString(r.Message)
		inSummary := false
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "warning" {
				inSummary = true
			}
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			return true
		})
		if inSummary && r.Level == slog.LevelWarn {
			return nil
		}
		if _, dup := h.seen.LoadOrStore(b.String(), true); dup {
			return nil
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h *onceHandler) WithAttrs(as []slog.Attr) slog.Handler {
	var b strings.Builder
	b.WriteString(h.attrs)
	for _, a := range as {
		fmt.Fprintf(&b, "%s=%v ", a.Key, a.Value)
	}
	return &onceHandler{Handler: h.Handler.WithAttrs(as), seen: h.seen, attrs: b.String()}
}

func (h *onceHandler) WithGroup(name string) slog.Handler {
	return &onceHandler{Handler: h.Handler.WithGroup(name), seen: h.seen, attrs: h.attrs + name + "."}
}

// dur prints a duration for people: milliseconds below a second, else
// tenths of seconds.
func dur(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
