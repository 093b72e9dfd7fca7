package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sources"
)

// panicParser panics on the input, as the xlsx scanners did on the
// issue 12 crashers.
type panicParser struct{}

func (panicParser) Parse(context.Context, *sources.Release, sources.Emitter) error {
	var cells []int
	_ = cells[len(cells)-1] // index out of range [-1]
	return nil
}

// Issue 12: a panic in a source killed the process (exit 2), and since
// the file stayed in the inbox every later run died on it. Now the input
// fails alone, with an error naming it and the panic, lands in failed/
// with its reason, and the other input of the run still lands.
func TestPanicInSourceFailsTheInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	in, _ := lake.NewDir(dir)
	put(t, in, "a.json", badInput)
	job := censusJob(t, t.TempDir())
	job.Inbox = in
	job.Parser = panicParser{}
	l, _ := lake.NewDir(t.TempDir())
	s := newRunner(t, l, nil).RunOnce(ctx, job)
	if !s.Failed() || len(s.Results) != 1 {
		t.Fatalf("summary: %+v", s.Results)
	}
	err := s.Results[0].Err
	if err == nil {
		t.Fatalf("result: %+v", s.Results[0])
	}
	for _, w := range []string{"a.json", "panic", "index out of range", "panic_test.go:"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q: %v", w, err)
		}
	}
	if _, err := in.Stat(ctx, "failed/a.json"); err != nil {
		t.Errorf("not moved to failed/: %v", err)
	}
	reason, err := lake.ReadAll(ctx, in, "failed/a.json.reason.txt")
	if err != nil || !strings.Contains(string(reason), "panic") {
		t.Errorf("reason %q, %v", reason, err)
	}
	if _, err := in.Stat(ctx, "a.json"); err == nil {
		t.Error("the crasher is still in the inbox")
	}
}
