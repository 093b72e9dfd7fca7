package pipeline

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/redact"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

// Issue 12: an echoed Census key sat in every ledger file. The ledger
// scrubs each record it writes, whoever hands it the error, so no file
// under _state holds the key (the API's scrub on read is a second layer).
func TestLedgerScrubsAtWrite(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	l, err := lake.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	led := NewLedger(l, redact.New("s3cr3t-census-key-42"))
	echoed := "HTTP 400: bad request for /data?get=ALL_VAL_MO&k=s3cr3t-census-key-42&key=0123456789abcdef"
	if _, err := led.UpdateEntry(ctx, "census-exports", month(2020, 4), func(e *Entry) {
		e.Status = LedgerFailed
		e.Error = echoed
	}); err != nil {
		t.Fatal(err)
	}
	b := &Backfill{ID: "bf-1", Job: "census-exports", From: month(2020, 4), To: month(2020, 5), State: "running",
		Months: []BackfillMonth{{Month: month(2020, 4), Status: LedgerFailed, Error: echoed}, {Month: month(2020, 5)}}}
	if err := led.AddBackfill(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := led.UpdateBackfill(ctx, "bf-1", func(b *Backfill) error {
		b.Months[1].Status, b.Months[1].Error = LedgerFailed, echoed
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if s := string(raw); strings.Contains(s, "s3cr3t") || strings.Contains(s, "0123456789abcdef") {
			t.Errorf("%s holds the key:\n%s", p, s)
		} else if !strings.Contains(s, "HTTP 400") {
			t.Errorf("%s lost the error:\n%s", p, s)
		}
		return nil
	})
	if err != nil || files < 2 {
		t.Fatalf("%d ledger files: %v", files, err)
	}
}
