package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/schollz/progressbar/v3"
)

// screen replays what a terminal does with output: "\r" returns to the
// start of the line (later text overwrites), "\n" starts a new line, and
// ESC[2K clears the line. It returns the lines left on the screen.
func screen(out string) []string {
	lines := []string{""}
	col := 0
	for i := 0; i < len(out); i++ {
		cur := []rune(lines[len(lines)-1])
		switch {
		case strings.HasPrefix(out[i:], "\x1b[2K"):
			lines[len(lines)-1], col = "", 0
			i += 3
		case out[i] == '\r':
			col = 0
		case out[i] == '\n':
			lines = append(lines, "")
			col = 0
		default:
			r := []rune(out[i:])[0]
			i += len(string(r)) - 1
			if col < len(cur) {
				cur[col] = r
			} else {
				cur = append(cur, r)
			}
			col++
			lines[len(lines)-1] = string(cur)
		}
	}
	return lines
}

// Log lines written while the progress bar shows land on lines of their
// own, whole, and the bar is redrawn below them.
func TestConsoleBarAndLogs(t *testing.T) {
	var out bytes.Buffer
	c := &console{w: &out}
	stop := c.startBar(12, "months")
	logger := slog.New(slog.NewTextHandler(c, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	for i := 1; i <= 3; i++ {
		c.withBar(func(b *progressbar.ProgressBar) { _ = b.Set(i) })
		logger.Warn("census fetch retry", "month", "2017-0"+string(rune('0'+i)))
	}
	lines := screen(out.String())
	want := []string{
		`level=WARN msg="census fetch retry" month=2017-01`,
		`level=WARN msg="census fetch retry" month=2017-02`,
		`level=WARN msg="census fetch retry" month=2017-03`,
	}
	for i, w := range want {
		if i >= len(lines) || strings.TrimRight(lines[i], " ") != w {
			t.Fatalf("screen line %d = %q, want %q\nscreen:\n%s", i, lines[i], w, strings.Join(lines, "\n"))
		}
	}
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "months") || !strings.Contains(last, "(3/12") {
		t.Errorf("bar not redrawn below the logs: %q", last)
	}
	stop()
	if lines := screen(out.String()); strings.TrimSpace(lines[len(lines)-1]) != "" {
		t.Errorf("bar left on screen after stop: %q", lines[len(lines)-1])
	}
}
