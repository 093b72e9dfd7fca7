package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/redact"
	"github.com/tradepipe/tradepipe/pipeline/state"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

// The ledger scrubs at write time, whoever built the record: the stored
// bytes hold no secret, so every reader of the lake reads them clean, not
// only the API that scrubs on read.
func TestLedgerScrubsWhatItWrites(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	const key = "s3cr3t-census-key-42"
	led := NewLedger(l, redact.New(key))
	m := month(2020, 4)
	echo := "HTTP 400 for https://api.example/data?get=X&key=other-key-7 (key " + key + ") via https://user:hunter2@proxy.example/"
	if _, err := led.UpdateEntry(ctx, "census-exports", m, func(e *Entry) { e.Status, e.Error = LedgerFailed, echo }); err != nil {
		t.Fatal(err)
	}
	b := &Backfill{ID: "bf-scrub", Job: "census-exports", From: m, To: m, State: BackfillRunning,
		Months: []BackfillMonth{{Month: m, Status: LedgerFailed, Error: echo}}}
	if err := led.AddBackfill(ctx, b); err != nil {
		t.Fatal(err)
	}
	if b.Months[0].Error != echo {
		t.Error("AddBackfill changed the caller's backfill")
	}
	raw := func(key string) string {
		body, err := lake.ReadAll(ctx, l, key)
		if err != nil {
			t.Fatal(err)
		}
		return string(body)
	}
	check := func(what, s string) {
		t.Helper()
		for _, secret := range []string{key, "other-key-7", "hunter2"} {
			if strings.Contains(s, secret) {
				t.Errorf("%s stores %q: %s", what, secret, s)
			}
		}
		if !strings.Contains(s, "HTTP 400") {
			t.Errorf("%s lost the error: %s", what, s)
		}
	}
	check("ledger entry", raw(state.LedgerKey("census-exports", m)))
	check("backfill", raw(state.BackfillKey("bf-scrub")))

	// An update that puts an error back in is scrubbed too.
	if _, err := led.UpdateBackfill(ctx, "bf-scrub", func(b *Backfill) error { b.Months[0].Error = echo; return nil }); err != nil {
		t.Fatal(err)
	}
	check("updated backfill", raw(state.BackfillKey("bf-scrub")))

	// Without a redactor the URL forms still go.
	if _, err := NewLedger(l, nil).UpdateEntry(ctx, "census-exports", m, func(e *Entry) { e.Error = echo }); err != nil {
		t.Fatal(err)
	}
	if s := raw(state.LedgerKey("census-exports", m)); strings.Contains(s, "other-key-7") || strings.Contains(s, "hunter2") {
		t.Errorf("nil redactor stored URL credentials: %s", s)
	}
}
