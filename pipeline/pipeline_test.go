package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/censustest"

	"github.com/tradepipe/tradepipe/sinks/lake/laketest"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sources/census"
)

var fixedNow = time.Date(2026, 11, 27, 12, 0, 0, 123456789, time.UTC)

// exampleInbox copies the bundled sample responses into a temp inbox with
// a fixed modification time, so release IDs are the same on every run.
func exampleInbox(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := censustest.CopySynthetic(dir, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	return dir
}

func censusJob(t *testing.T, inbox string) *Job {
	t.Helper()
	src, err := census.New(census.Options{Flow: "export", Partner: "5700", Level: "HS6"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := lake.NewDir(inbox)
	if err != nil {
		t.Fatal(err)
	}
	return &Job{Name: "census-exports", Source: "census", Parser: src, Fetcher: src, Inbox: in, InboxExts: []string{"json"}}
}

func newRunner(t *testing.T, l lake.Lake, hook func(publish.Step, string) error) *Runner {
	t.Helper()
	r, err := New(Options{Lake: l, SpoolDir: t.TempDir(), Now: func() time.Time { return fixedNow }, PublishHook: hook}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestExamplesEndToEndReadByDuckDB(t *testing.T) {
	ctx := context.Background()
	inbox := exampleInbox(t)
	root := t.TempDir()
	l, _ := lake.NewDir(root)
	r := newRunner(t, l, nil)
	s := r.RunOnce(ctx, censusJob(t, inbox))
	rows, q := s.Rows()
	if s.Count(StatusWritten) != 18 || s.Failed() || rows != 18*48 || q != 0 {
		t.Fatalf("first run: %+v", s)
	}
	if _, err := os.Stat(filepath.Join(root, "trade_flows/source=census/flow=export/year=2020/month=04/part-00000.parquet")); err != nil {
		t.Fatal(err)
	}
	// Every input is archived under raw/ by content hash.
	var raws int
	for o, err := range l.List(ctx, "raw/census/") {
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(o.Key, ".json") {
			t.Errorf("raw key %s", o.Key)
		}
		raws++
	}
	if raws != 18 {
		t.Errorf("%d raw archives, want 18", raws)
	}

	db := duckdbtest.Open(t)
	scan := fmt.Sprintf("read_parquet('%s/trade_flows/**/*.parquet', hive_partitioning=true)", root)
	types := duckdbtest.Types(t, db, "SELECT * FROM "+scan)
	for col, want := range map[string]string{
		"period": "DATE", "reporter": "VARCHAR", "partner": "VARCHAR", "flow": "VARCHAR",
		"hs_code": "VARCHAR", "hs_level": "INTEGER", "description": "VARCHAR",
		"value_usd": "DECIMAL(18,2)", "consumption_value_usd": "DECIMAL(18,2)", "quantity": "DOUBLE", "quantity_unit": "VARCHAR",
		"valuation": "VARCHAR", "covers_months": "INTEGER", "source": "VARCHAR", "release_id": "VARCHAR",
		"source_uri": "VARCHAR", "source_sha256": "VARCHAR", "ingested_at": "TIMESTAMP WITH TIME ZONE",
	} {
		if types[col] != want {
			t.Errorf("column %s: DuckDB type %q, want %q", col, types[col], want)
		}
	}
	if len(types) != 22 { // 20 columns + year and month from the path
		t.Errorf("DuckDB sees %d columns: %v", len(types), types)
	}

	var n, periods int
	var minPeriod, maxPeriod string
	mustRow(t, db, "SELECT count(*), count(DISTINCT period), min(period)::VARCHAR, max(period)::VARCHAR FROM "+scan, &n, &periods, &minPeriod, &maxPeriod)
	if n != 864 || periods != 18 || minPeriod != "2017-01-01" || maxPeriod != "2020-06-01" {
		t.Errorf("count %d, periods %d, range %s..%s", n, periods, minPeriod, maxPeriod)
	}
	// One row, every column.
	var (
		period, reporter, partner, flow, hs, desc, value, unit, valuation, source, releaseID, uri, sha, ingested string
		level, covers, year, month                                                                               int
		qty                                                                                                      float64
	)
	mustRow(t, db, `SELECT period::VARCHAR, reporter, partner, flow, hs_code, hs_level, description, value_usd::VARCHAR,
		quantity, quantity_unit, valuation, covers_months, source, release_id, source_uri, source_sha256,
		strftime(ingested_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f'), year, month
		FROM `+scan+` WHERE period = DATE '2020-04-01' AND hs_code = '120190'`,
		&period, &reporter, &partner, &flow, &hs, &level, &desc, &value, &qty, &unit, &valuation, &covers,
		&source, &releaseID, &uri, &sha, &ingested, &year, &month)
	want := []any{"2020-04-01", "US", "CN", "export", "120190", 6, "SOYBEANS, WHETHER OR NOT BROKEN, OTHER THAN SEED", "338768735.00",
		891496672.0, "KG", "FAS", 1, "census", "20260102T030405Z-927564639343", "exports-hs6-5700-2020-04.json",
		"927564639343bf3afd476cdf1e6682b053316fcc895f145c9f5cf849f8419884", "2026-11-27T12:00:00.123456", 2020, 4}
	got := []any{period, reporter, partner, flow, hs, level, desc, value, qty, unit, valuation, covers, source, releaseID,
		filepath.Base(uri), sha, ingested, year, month}
	for i := range want {
		if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
			t.Errorf("column %d = %v, want %v", i, got[i], want[i])
		}
	}
	// Leading zeros kept; a quantity without a unit is null.
	var pork int
	var porkQty sql.NullFloat64
	mustRow(t, db, "SELECT count(*), any_value(quantity) FROM "+scan+" WHERE hs_code = '020329'", &pork, &porkQty)
	if pork != 18 {
		t.Errorf("020329 rows = %d, want 18", pork)
	}
	var nullQty int
	mustRow(t, db, "SELECT count(*) FROM "+scan+" WHERE quantity_unit IS NULL AND quantity IS NULL AND hs_code = '271111'", &nullQty)
	if nullQty != 18 {
		t.Errorf("LNG rows without unit and quantity = %d, want 18", nullQty)
	}
	// Money is exact: DuckDB's decimal sum equals the sum of the JSON
	// strings, done here with big integers.
	var lakeSum string
	mustRow(t, db, "SELECT sum(value_usd)::VARCHAR FROM "+scan, &lakeSum)
	if want := jsonTotal(t, inbox) + ".00"; lakeSum != want {
		t.Errorf("sum(value_usd) = %s, want %s", lakeSum, want)
	}

	// The same inputs again: nothing is written.
	before := laketest.Snapshot(t, l)
	s2 := r.RunOnce(ctx, censusJob(t, inbox))
	if s2.Count(StatusUnchanged) != 18 || s2.Count(StatusWritten) != 0 {
		t.Fatalf("second run: %d unchanged, %d written", s2.Count(StatusUnchanged), s2.Count(StatusWritten))
	}
	if after := laketest.Snapshot(t, l); len(laketest.Changed(before, after)) > 0 {
		t.Error("second run changed the lake")
	}
}

func mustRow(t *testing.T, db *sql.DB, q string, dest ...any) {
	t.Helper()
	if err := db.QueryRow(q).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func jsonTotal(t *testing.T, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	total := new(big.Int)
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var rows [][]string
		if err := json.Unmarshal(b, &rows); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows[1:] {
			v, ok := new(big.Int).SetString(r[2], 10)
			if !ok {
				t.Fatalf("value %q", r[2])
			}
			total.Add(total, v)
		}
	}
	return total.String()
}

// A crash at any publish step of any partition leaves a lake in which
// every manifest names whole files only, and running again converges to
// exactly the lake a run without the crash makes.
func TestCrashAnywhereConverges(t *testing.T) {
	ctx := context.Background()
	inbox := exampleInbox(t)
	cleanLake, _ := lake.NewDir(t.TempDir())
	newRunner(t, cleanLake, nil).RunOnce(ctx, censusJob(t, inbox))
	want := laketest.Converged(t, cleanLake)

	// Count the steps of a clean run, then crash at a spread of them.
	var steps atomic.Int32
	countLake, _ := lake.NewDir(t.TempDir())
	newRunner(t, countLake, func(publish.Step, string) error { steps.Add(1); return nil }).RunOnce(ctx, censusJob(t, inbox))
	// Each of the 18 inputs (one month each) is one release: its vintage
	// to trade_flows_history, then the current partition, 7 steps each,
	// and the release's transaction record in between the commits and the
	// views.
	total := int(steps.Load())
	if total != 18*(2*7+1) {
		t.Fatalf("%d publish steps in a clean run, want 270", total)
	}
	for k := 1; k <= total; k += 7 { // 7 and 15 are coprime: every step of a release is hit
		t.Run(fmt.Sprintf("crash-at-step-%d", k), func(t *testing.T) {
			l, _ := lake.NewDir(t.TempDir())
			var n atomic.Int32
			crash := errors.New("injected crash")
			s := newRunner(t, l, func(publish.Step, string) error {
				if int(n.Add(1)) == k {
					return crash
				}
				return nil
			}).RunOnce(ctx, censusJob(t, inbox))
			if !s.Failed() {
				t.Fatal("run with a crash reported no failure")
			}
			checkManifests(t, l)
			s2 := newRunner(t, l, nil).RunOnce(ctx, censusJob(t, inbox))
			if s2.Failed() {
				t.Fatalf("re-run failed: %+v", s2)
			}
			if changed := laketest.Changed(want, laketest.Converged(t, l)); len(changed) > 0 {
				t.Errorf("re-run did not converge:\n%s", strings.Join(changed, "\n"))
			}
		})
	}
}

// A context cancelled part way (a killed process) leaves no half-written
// object visible, and a re-run converges.
func TestCancelAnywhereConverges(t *testing.T) {
	ctx := context.Background()
	inbox := exampleInbox(t)
	cleanLake, _ := lake.NewDir(t.TempDir())
	newRunner(t, cleanLake, nil).RunOnce(ctx, censusJob(t, inbox))
	want := laketest.Converged(t, cleanLake)
	// Each input puts or copies, in order: 1 raw copy, 2 history data
	// file, 3 history pending marker, (the history record is a
	// PutIfAbsent), 4 data file (a copy of the history file's bytes), 5
	// pending marker, (the data record, the transaction record), 6
	// history view file (a copy), 7 history view manifest, 8 history
	// _SUCCESS, 9 view file, 10 view manifest, 11 _SUCCESS, 12 input
	// record. Cancelling a put needs a body of two reads, so the empty
	// _SUCCESS objects are not picked; 61 is a later input's.
	for _, after := range []int{1, 2, 3, 4, 5, 6, 7, 10, 12, 61} {
		t.Run(fmt.Sprintf("cancel-after-%d-puts", after), func(t *testing.T) {
			dir, _ := lake.NewDir(t.TempDir())
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			l := &cancellingLake{Conditional: dir, after: int32(after), cancel: cancel}
			s := newRunner(t, l, nil).RunOnce(cctx, censusJob(t, inbox))
			if !s.Failed() {
				t.Fatal("cancelled run reported no failure")
			}
			checkManifests(t, dir)
			s2 := newRunner(t, dir, nil).RunOnce(ctx, censusJob(t, inbox))
			if s2.Failed() {
				t.Fatalf("re-run failed: %+v", s2)
			}
			if changed := laketest.Changed(want, laketest.Converged(t, dir)); len(changed) > 0 {
				t.Errorf("re-run did not converge:\n%s", strings.Join(changed, "\n"))
			}
		})
	}
}

// cancellingLake cancels the run's context during its n-th Put, after half
// the object has been read, as a kill mid-upload would.
type cancellingLake struct {
	lake.Conditional
	after  int32
	puts   atomic.Int32
	cancel context.CancelFunc
}

func (c *cancellingLake) Put(ctx context.Context, key string, r io.Reader) error {
	if c.puts.Add(1) == c.after {
		return c.Conditional.Put(ctx, key, &cancelMidway{r: r, cancel: c.cancel})
	}
	return c.Conditional.Put(ctx, key, r)
}

// Copy counts as a put: the run's context is cancelled before the n-th,
// as a kill before a link or a server-side copy would.
func (c *cancellingLake) Copy(ctx context.Context, src, dst string) error {
	if c.puts.Add(1) == c.after {
		c.cancel()
	}
	return c.Conditional.Copy(ctx, src, dst)
}

type cancelMidway struct {
	r      io.Reader
	cancel context.CancelFunc
	n      int
}

func (c *cancelMidway) Read(p []byte) (int, error) {
	c.n++
	if c.n == 2 {
		c.cancel()
	}
	return c.r.Read(p)
}

// checkManifests asserts that every manifest names files that exist and
// that no temp file is listed.
func checkManifests(t *testing.T, l lake.Lake) {
	t.Helper()
	ctx := context.Background()
	for o, err := range l.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(o.Key, ".tmp-") {
			t.Errorf("temp object visible: %s", o.Key)
		}
		if filepath.Base(o.Key) != publish.ManifestName {
			continue
		}
		m, err := publish.Load(ctx, l, filepath.Dir(o.Key))
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range m.Groups {
			for _, f := range g.Files {
				st, err := l.Stat(ctx, m.Partition+"/"+f.Name)
				if err != nil {
					t.Errorf("%s lists missing %s", o.Key, f.Name)
				} else if st.Size != f.Bytes {
					t.Errorf("%s lists %s with %d bytes, object has %d", o.Key, f.Name, f.Bytes, st.Size)
				}
			}
		}
	}
}

// Every file the engine writes names the release its rows came from in
// its key-value metadata, so an engine reading one file knows its vintage.
func TestFilesNameTheirRelease(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	l, _ := lake.NewDir(root)
	r := newRunner(t, l, nil)
	if s := r.RunOnce(ctx, censusJob(t, exampleInbox(t))); s.Failed() {
		t.Fatalf("run: %+v", s)
	}
	db := duckdbtest.Open(t)
	var files, named int
	q := fmt.Sprintf(`SELECT count(DISTINCT file_name), count(DISTINCT file_name) FILTER (WHERE decode(key) = 'tradepipe.release_id' AND decode(value) LIKE '20260102T030405Z-%%')
		FROM parquet_kv_metadata('%s/trade_flows/**/*.parquet')`, root)
	if err := db.QueryRow(q).Scan(&files, &named); err != nil {
		t.Fatal(err)
	}
	if files != 18 || named != files {
		t.Fatalf("%d of %d files name their release", named, files)
	}
}
