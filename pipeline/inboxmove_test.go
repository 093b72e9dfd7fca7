package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/s3lake/s3test"
	"github.com/tradepipe/tradepipe/sources"
)

// duringParse runs a function between the run's take of an input and its
// move: the window in which an operator drops a corrected file.
type duringParse struct {
	inner sources.Parser
	do    func()
}

func (p duringParse) Parse(ctx context.Context, r *sources.Release, e sources.Emitter) error {
	p.do()
	return p.inner.Parse(ctx, r, e)
}

const badInput = `<html>Service Unavailable</html>`

// An input that fails moves to failed/ only when the object in the inbox
// is still the one the run took; one replaced or removed meanwhile stays
// as it is, for the next run.
func TestInboxMoveOnlyTheTakenObject(t *testing.T) {
	corrected := "[" + header + `,["120190","S","1","1","KG","5700","HS6","2020-04"]]`
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, in lake.Lake, dir string)
		moved  bool
		left   string // the inbox key's content after the run; "" when gone
	}{
		{"unchanged", func(*testing.T, lake.Lake, string) {}, true, ""},
		{"replaced", func(t *testing.T, in lake.Lake, _ string) {
			put(t, in, "a.json", corrected)
		}, false, corrected},
		{"removed", func(t *testing.T, in lake.Lake, _ string) {
			if err := in.Delete(context.Background(), "a.json"); err != nil {
				t.Fatal(err)
			}
		}, false, ""},
		// Same size and modification time, other bytes: only the hash
		// tells (directories have no version tag).
		{"same size and mtime", func(t *testing.T, in lake.Lake, dir string) {
			if dir == "" {
				t.Skip("a directory inbox only")
			}
			p := filepath.Join(dir, "a.json")
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			other := strings.ToUpper(badInput)
			if err := os.WriteFile(p, []byte(other), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
		}, false, strings.ToUpper(badInput)},
	} {
		for _, kind := range []string{"dir", "s3"} {
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				ctx := context.Background()
				var in lake.Lake
				dir := ""
				if kind == "s3" {
					in = s3test.New(t, nil)
				} else {
					dir = t.TempDir()
					in, _ = lake.NewDir(dir)
				}
				put(t, in, "a.json", badInput)
				job := censusJob(t, t.TempDir())
				job.Inbox = in
				job.Parser = duringParse{inner: job.Parser, do: func() { tc.change(t, in, dir) }}
				l, _ := lake.NewDir(t.TempDir())
				s := newRunner(t, l, nil).RunOnce(ctx, job)
				if !s.Failed() {
					t.Fatalf("summary: %+v", s.Results)
				}
				_, err := in.Stat(ctx, "failed/a.json")
				if moved := err == nil; moved != tc.moved {
					t.Errorf("moved to failed/: %v (%v), want %v", moved, err, tc.moved)
				}
				if tc.moved {
					b, _ := lake.ReadAll(ctx, in, "failed/a.json")
					if string(b) != badInput {
						t.Errorf("failed/a.json holds %q, want the bytes the run took", b)
					}
				}
				b, err := lake.ReadAll(ctx, in, "a.json")
				switch {
				case tc.left == "" && err == nil:
					t.Errorf("a.json still in the inbox: %q", b)
				case tc.left != "" && string(b) != tc.left:
					t.Errorf("a.json holds %q (%v), want %q", b, err, tc.left)
				}
			})
		}
	}
}

func put(t *testing.T, l lake.Lake, key, body string) {
	t.Helper()
	if err := l.Put(context.Background(), key, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
}
