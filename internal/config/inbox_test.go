package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 12: `inbox: file://../../etc` passed validate and the run moved
// that tree's files into etc/failed/; an inbox set to the lake root moved
// _state/ledger and lease files. Validate refuses both, and an inbox that
// is a symlink to the lake, and two jobs sharing an inbox.
func TestInboxesConfined(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.Mkdir(filepath.Join(dir, "lake"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "lake"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	job := func(name, inbox string) string {
		return "  " + name + ":\n    source: panjiva\n    options: {inbox: " + inbox + "}\n"
	}
	cases := []struct {
		name, jobs, want string
	}{
		{"climbs out", job("p", "file://../../etc"), `jobs.p.options.inbox: "file://../../etc" climbs out of the working directory`},
		{"is the lake", job("p", "file://./lake"), `jobs.p.options.inbox: "file://./lake" overlaps the lake "file://./lake"`},
		{"inside the lake", job("p", "file://./lake/inbox"), `overlaps the lake`},
		{"symlink to the lake", job("p", "file://./link"), `overlaps the lake`},
		{"root", job("p", "file:///"), `"file:///" is the filesystem root`},
		{"shared inbox", job("p", "file://./in") + job("q", "file://./in/sub"), `jobs.q.options.inbox: "file://./in/sub" overlaps the inbox of job p`},
		{"s3 inbox in the lake", job("p", "s3://b/lake/in"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lakeURL := "file://./lake"
			if strings.HasPrefix(c.name, "s3") {
				lakeURL = "s3://b/lake"
				c.want = `overlaps the lake "s3://b/lake"`
			}
			cfg, err := Parse([]byte("lake: " + lakeURL + "\njobs:\n" + c.jobs))
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("validate = %v, want %q", err, c.want)
			}
		})
	}
	// A separate inbox passes.
	cfg, err := Parse([]byte("lake: file://./lake\njobs:\n" + job("p", "file://./inbox") + job("q", "s3://b/in")))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("separate inboxes refused: %v", err)
	}
}
