package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

const header = `["E_COMMODITY","E_COMMODITY_LDESC","ALL_VAL_MO","QTY_1_MO","UNIT_QY1","CTY_CODE","COMM_LVL","time"]`

// Bad rows go to quarantine with their reason and raw cells; the good rows
// of the same input still publish; a corrected input clears the quarantine.
func TestQuarantineRoundTrip(t *testing.T) {
	ctx := context.Background()
	inbox := t.TempDir()
	write := func(body string) {
		if err := os.WriteFile(filepath.Join(inbox, "apr.json"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("[" + header + `,
["120190","SOYBEANS","100","1","KG","5700","HS6","2020-04"],
["880240","AIRPLANES","(D)","1","NO","5700","HS6","2020-04"],
["120190","SOYBEANS","5","1","KG","5700","HS6","20-04"]]`)
	root := t.TempDir()
	l, _ := lake.NewDir(root)
	r := newRunner(t, l, nil)
	s := r.RunOnce(ctx, censusJob(t, inbox))
	if s.Failed() {
		t.Fatalf("run failed: %+v", s)
	}
	rows, q := s.Rows()
	if rows != 1 || q != 2 { // the undated row is counted in its own partition, year=0000
		t.Fatalf("rows %d quarantined %d: %+v", rows, q, s.Results)
	}
	m, err := publish.Load(ctx, l, "trade_flows/source=census/flow=export/year=2020/month=04")
	if err != nil || m.Rows != 1 || m.QuarantinedRows != 1 {
		t.Fatalf("manifest = %+v, %v", m, err)
	}
	db := duckdbtest.Open(t)
	scan := fmt.Sprintf("read_parquet('%s/quarantine/**/*.parquet', hive_partitioning=true)", root)
	types := duckdbtest.Types(t, db, "SELECT * FROM "+scan)
	for col, want := range map[string]string{"period": "DATE", "reason_code": "VARCHAR", "raw_cells": "VARCHAR[]", "row_number": "BIGINT", "ingested_at": "TIMESTAMP WITH TIME ZONE"} {
		if types[col] != want {
			t.Errorf("quarantine column %s: %q, want %q", col, types[col], want)
		}
	}
	var got []string
	rs, err := db.Query("SELECT coalesce(period::VARCHAR, 'none'), reason_code, field, row_number, raw_cells[3], year FROM " + scan + " ORDER BY row_number")
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var period, code, field, cell string
		var row, year int
		if err := rs.Scan(&period, &code, &field, &row, &cell, &year); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s %s %d %s %d", period, code, field, row, cell, year))
	}
	rs.Close()
	want := "[2020-04-01 bad_value ALL_VAL_MO 2 (D) 2020 none bad_date time 3 5 0]"
	if fmt.Sprint(got) != want {
		t.Errorf("quarantine rows = %v\nwant %v", got, want)
	}

	// The corrected release replaces the partition and clears its quarantine.
	write("[" + header + `,
["120190","SOYBEANS","100","1","KG","5700","HS6","2020-04"],
["880240","AIRPLANES","250","1","NO","5700","HS6","2020-04"]]`)
	s = r.RunOnce(ctx, censusJob(t, inbox))
	if s.Failed() || s.Count(StatusWritten) != 1 {
		t.Fatalf("corrected run: %+v", s.Results)
	}
	qm, err := publish.Load(ctx, l, "quarantine/trade_flows/source=census/flow=export/year=2020/month=04")
	if err != nil || qm == nil || qm.QuarantinedRows != 0 {
		t.Fatalf("quarantine manifest after fix = %+v, %v", qm, err)
	}
	if _, err := os.Stat(filepath.Join(root, "quarantine/trade_flows/source=census/flow=export/year=2020/month=04/census-exports-part-00000.parquet")); !os.IsNotExist(err) {
		t.Errorf("stale quarantine file still there: %v", err)
	}
}

// An inbox file that is not a Census response moves to failed/ with its
// reason, and does not stop the other files.
func TestBadInputMovesToFailed(t *testing.T) {
	ctx := context.Background()
	inbox := t.TempDir()
	_ = os.WriteFile(filepath.Join(inbox, "a-bad.json"), []byte(`<html>Service Unavailable</html>`), 0o644)
	_ = os.WriteFile(filepath.Join(inbox, "b-good.json"), []byte("["+header+`,["120190","S","1","1","KG","5700","HS6","2020-04"]]`), 0o644)
	l, _ := lake.NewDir(t.TempDir())
	s := newRunner(t, l, nil).RunOnce(ctx, censusJob(t, inbox))
	if !s.Failed() || s.Count(StatusWritten) != 1 {
		t.Fatalf("summary: %+v", s.Results)
	}
	if _, err := os.Stat(filepath.Join(inbox, "a-bad.json")); !os.IsNotExist(err) {
		t.Error("bad file still in the inbox")
	}
	reason, err := os.ReadFile(filepath.Join(inbox, "failed", "a-bad.json.reason.txt"))
	if err != nil || !contains(string(reason), "not a Census API response") {
		t.Errorf("reason = %q, %v", reason, err)
	}
	// failed/ is not read again.
	s = newRunner(t, l, nil).RunOnce(ctx, censusJob(t, inbox))
	if s.Failed() || s.Count(StatusUnchanged) != 1 {
		t.Fatalf("second run: %+v", s.Results)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// A release with no bad row in a partition that never had one writes
// nothing of the partition's quarantine: no lease, no record, no view.
// A release with a bad row there takes it; the next clean one takes it
// again to clear the job's file. The release's history file is the data
// file's bytes: on a directory lake, the same inode.
func TestCleanReleaseLeavesQuarantineAlone(t *testing.T) {
	ctx := context.Background()
	inbox := t.TempDir()
	write := func(body string) {
		if err := os.WriteFile(filepath.Join(inbox, "apr.json"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const qdir = "quarantine/trade_flows/source=census/flow=export/year=2020/month=04"
	root := t.TempDir()
	l, _ := lake.NewDir(root)
	run := func(body string) (quarantineLocked bool) {
		t.Helper()
		write("[" + header + "," + body + "]")
		r := newRunner(t, l, nil)
		s := r.RunOnce(ctx, censusJob(t, inbox))
		if s.Failed() || s.Count(StatusWritten) != 1 {
			t.Fatalf("run: %+v", s.Results)
		}
		_, locked := r.opts.Locker.(*processLocks).locks[qdir]
		return locked
	}
	if run(`["120190","SOYBEANS","100","1","KG","5700","HS6","2020-04"]`) {
		t.Error("a clean release took the quarantine lease")
	}
	for _, p := range []string{publish.TablesRoot + "/" + qdir, qdir} {
		if _, err := os.Stat(filepath.Join(root, p)); !os.IsNotExist(err) {
			t.Errorf("%s after a clean release: %v", p, err)
		}
	}
	sameFile := func(dir string) os.FileInfo {
		t.Helper()
		m, err := publish.Load(ctx, l, dir)
		if err != nil || m == nil || len(m.Groups) == 0 || len(m.Groups[len(m.Groups)-1].Files) != 1 {
			t.Fatalf("%s: %+v, %v", dir, m, err)
		}
		fi, err := os.Stat(filepath.Join(root, m.Groups[len(m.Groups)-1].Files[0].Key))
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	data := sameFile("trade_flows/source=census/flow=export/year=2020/month=04")
	hist := sameFile("trade_flows_history/source=census/flow=export/year=2020/month=04")
	if !os.SameFile(data, hist) {
		t.Error("the history file is a second copy of the data file's bytes, not a link")
	}

	if !run(`["120190","SOYBEANS","100","1","KG","5700","HS6","2020-04"],["880240","AIRPLANES","(D)","1","NO","5700","HS6","2020-04"]`) {
		t.Error("a release with a bad row did not take the quarantine lease")
	}
	if m, err := publish.Load(ctx, l, qdir); err != nil || m == nil || m.QuarantinedRows != 1 {
		t.Fatalf("quarantine = %+v, %v", m, err)
	}
	if !run(`["120190","SOYBEANS","101","1","KG","5700","HS6","2020-04"]`) {
		t.Error("a clean release did not take the quarantine lease to clear the job's file")
	}
	if m, err := publish.Load(ctx, l, qdir); err != nil || m == nil || m.QuarantinedRows != 0 {
		t.Fatalf("quarantine after the fix = %+v, %v", m, err)
	}
}

// hookLocker runs before once, the first time partition is asked for.
type hookLocker struct {
	Locker
	partition string
	before    func()
	done      bool
}

func (h *hookLocker) Lock(ctx context.Context, p string) (context.Context, func(), error) {
	if p == h.partition && !h.done {
		h.done = true
		h.before()
	}
	return h.Locker.Lock(ctx, p)
}

// TestQuarantinedWhileLeasingIsCleared: while a clean release waits for a
// month's lease, another release of the job quarantines a row there. The
// first must still clear it once it holds the lease (beginRelease reads
// the quarantine under the month's lease), or its corrected month would
// stand beside the other's quarantined row.
func TestQuarantinedWhileLeasingIsCleared(t *testing.T) {
	ctx := context.Background()
	const month = "trade_flows/source=census/flow=export/year=2020/month=04"
	const qdir = "quarantine/" + month
	l, _ := lake.NewDir(t.TempDir())
	inbox := func(body string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "apr.json"), []byte("["+header+","+body+"]"), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	clean := inbox(`["120190","SOYBEANS","101","1","KG","5700","HS6","2020-04"]`)
	bad := inbox(`["120190","SOYBEANS","100","1","KG","5700","HS6","2020-04"],["880240","AIRPLANES","(D)","1","NO","5700","HS6","2020-04"]`)

	locker := &hookLocker{Locker: &processLocks{}, partition: month, before: func() {
		s := newRunner(t, l, nil).RunOnce(ctx, censusJob(t, bad))
		if s.Failed() || s.Count(StatusWritten) != 1 {
			t.Fatalf("the other release: %+v", s.Results)
		}
		if m, err := publish.Load(ctx, l, qdir); err != nil || m == nil || m.QuarantinedRows != 1 {
			t.Fatalf("quarantine after the other release = %+v, %v", m, err)
		}
	}}
	r, err := New(Options{Lake: l, SpoolDir: t.TempDir(), Now: func() time.Time { return fixedNow }, Locker: locker}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := r.RunOnce(ctx, censusJob(t, clean))
	if s.Failed() || s.Count(StatusWritten) != 1 {
		t.Fatalf("clean release: %+v", s.Results)
	}
	if !locker.done {
		t.Fatal("the hook never ran")
	}
	if m, err := publish.Load(ctx, l, qdir); err != nil || m == nil || m.QuarantinedRows != 0 {
		t.Fatalf("quarantine after the clean release = %+v, %v; want the other release's row cleared", m, err)
	}
}
