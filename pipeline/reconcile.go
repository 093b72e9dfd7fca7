package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/parquet-go/parquet-go"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/pipeline/state"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// Reconciliation. A source that publishes both commodity detail
// (trade_flows) and country totals (trade_totals) for a month — GACC does
// — should agree with itself: the HS rows of a reporter, partner and flow
// sum to the published total. After either dataset of a month is
// published, whichever lands second, the pipeline compares them; a
// difference beyond the job's tolerance is written as a warning into the
// trade_flows partition's manifest and into a record under
// _state/reconcile/<source>/<flow>/<YYYY-MM>.json that `tradepipe status`
// shows. Nothing is held back: the figures are published as the source
// gave them, flagged.

// DefaultReconcileTolerance is the relative difference between HS rows and
// the published total accepted without a warning: 0.5%, enough for the
// rounding of a table in US$1,000 against detail in dollars.
var DefaultReconcileTolerance = apd.New(5, -3)

// reconcilePrefix starts every reconciliation warning in a manifest, so a
// later check replaces its own warnings and no others.
const reconcilePrefix = "reconcile: "

// ReconcileRecord is the outcome of one month's check.
type ReconcileRecord struct {
	Source string `json:"source"`
	Flow   string `json:"flow"`
	Period string `json:"period"` // YYYY-MM
	// OK is false when any check is outside the tolerance.
	OK        bool   `json:"ok"`
	Tolerance string `json:"tolerance"` // relative, e.g. 0.005
	// The versions compared.
	FlowsReleaseIDs  []string         `json:"flows_release_ids"`
	TotalsReleaseIDs []string         `json:"totals_release_ids"`
	Checks           []ReconcileCheck `json:"checks"`
	CheckedAt        time.Time        `json:"checked_at"`
}

// ReconcileCheck compares one reporter × partner × months-covered total
// with the sum of the HS rows of one HS level.
type ReconcileCheck struct {
	Reporter     string `json:"reporter"`
	Partner      string `json:"partner"`
	CoversMonths int32  `json:"covers_months"`
	HSLevel      int32  `json:"hs_level"`
	HSRows       int    `json:"hs_rows"`
	HSSumUSD     string `json:"hs_sum_usd"`
	TotalUSD     string `json:"total_usd"`
	DiffUSD      string `json:"diff_usd"`     // HS sum − total
	DiffPercent  string `json:"diff_percent"` // of the total, 2 decimals; "" when the total is 0
	OK           bool   `json:"ok"`
}

// Warning is the check as one line for a manifest and for people.
func (c ReconcileCheck) Warning(source, flow, period string) string {
	months := ""
	if c.CoversMonths > 1 {
		months = fmt.Sprintf(" (%d months)", c.CoversMonths)
	}
	pct := c.DiffPercent + "%"
	if c.DiffPercent == "" {
		pct = "total is 0"
	}
	return fmt.Sprintf("%s%s %s %s %s×%s%s: HS-%d rows sum to %s USD, published total %s USD (diff %s, %s)",
		reconcilePrefix, source, flow, period, c.Reporter, c.Partner, months, c.HSLevel, c.HSSumUSD, c.TotalUSD, c.DiffUSD, pct)
}

// String is the record on one line, for `tradepipe status`.
func (rec ReconcileRecord) String() string {
	bad := 0
	for _, c := range rec.Checks {
		if !c.OK {
			bad++
		}
	}
	verdict := "ok"
	if bad > 0 {
		verdict = fmt.Sprintf("MISMATCH in %d of %d checks", bad, len(rec.Checks))
	}
	return fmt.Sprintf("%s %s %s: HS rows vs published totals %s (tolerance %s)", rec.Source, rec.Flow, rec.Period, verdict, rec.Tolerance)
}

// ReconcileKey is where the record of source, flow and month is kept.
func ReconcileKey(source, flow string, m civil.Month) string {
	return state.ReconcileKey(source, flow, m)
}

// ReconcileRecords returns every stored reconciliation record, oldest
// month first, for `tradepipe status`. ctx bounds the lake calls; errors
// are the lake's or a record that does not decode.
func ReconcileRecords(ctx context.Context, l lake.Lake) ([]ReconcileRecord, error) {
	var out []ReconcileRecord
	for o, err := range l.List(ctx, state.ReconcilePrefix) {
		if err != nil {
			return nil, err
		}
		if path.Ext(o.Key) != ".json" {
			continue
		}
		b, err := lake.ReadAll(ctx, l, o.Key)
		if err != nil {
			return nil, err
		}
		var rec ReconcileRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("%s: %w", o.Key, err)
		}
		out = append(out, rec)
	}
	slices.SortFunc(out, func(a, b ReconcileRecord) int {
		return strings.Compare(a.Period+a.Source+a.Flow, b.Period+b.Source+b.Flow)
	})
	return out, nil
}

// reconcileAfter runs the check for every trade_flows or trade_totals
// partition among results that now holds the current version (written or
// found unchanged: the check also finishes one a crash cut short). The
// warnings it records are added to the results.
func (r *Runner) reconcileAfter(ctx context.Context, job *Job, results []Result) []Result {
	done := map[string]bool{}
	for i, res := range results {
		if res.Status != StatusWritten && res.Status != StatusUnchanged {
			continue
		}
		source, flow, ok := flowKeys(res.Partition)
		if !ok || res.Month.IsZero() {
			continue
		}
		id := source + "/" + flow + "/" + res.Month.String()
		if done[id] {
			continue
		}
		done[id] = true
		rec, err := r.reconcile(ctx, job, source, flow, res.Month)
		if err != nil {
			// The data is published; the check runs again next time.
			r.logger.Warn("reconciliation not done", "job", job.Name, "partition", res.Partition, "err", err)
			continue
		}
		if rec == nil {
			continue
		}
		for _, c := range rec.Checks {
			if !c.OK {
				w := c.Warning(source, flow, rec.Period)
				results[i].Warnings = append(results[i].Warnings, w)
				r.logger.Warn("reconciliation mismatch", "job", job.Name, "partition", res.Partition, "warning", w)
			}
		}
	}
	return results
}

// flowKeys reads source and flow from a trade_flows or trade_totals
// partition path.
func flowKeys(p string) (source, flow string, ok bool) {
	segs := strings.Split(p, "/")
	if len(segs) < 3 || (segs[0] != schema.DatasetTradeFlows && segs[0] != schema.DatasetTradeTotals) {
		return "", "", false
	}
	source, ok1 := strings.CutPrefix(segs[1], "source=")
	flow, ok2 := strings.CutPrefix(segs[2], "flow=")
	return source, flow, ok1 && ok2
}

// reconcile compares the current trade_flows and trade_totals partitions
// of source, flow and month m. It returns nil when one of them is not
// there yet, or they share no reporter and partner.
func (r *Runner) reconcile(ctx context.Context, job *Job, source, flow string, m civil.Month) (*ReconcileRecord, error) {
	fp := schema.TradeFlowPartition(source, flow, m)
	tp := schema.TradeTotalPartition(source, flow, m)
	totals, totalIDs, err := readPartition[schema.TradeTotalRecord](ctx, r.opts.Lake, tp.Path)
	if err != nil || len(totals) == 0 {
		return nil, err
	}
	flows, flowIDs, err := readPartition[schema.TradeFlowRecord](ctx, r.opts.Lake, fp.Path)
	if err != nil || len(flows) == 0 {
		return nil, err
	}
	tol := job.ReconcileTolerance
	if tol == nil {
		tol = DefaultReconcileTolerance
	}
	checks, err := compareTotals(flows, totals, tol)
	if err != nil || len(checks) == 0 {
		return nil, err
	}
	rec := &ReconcileRecord{
		Source: source, Flow: flow, Period: m.String(), OK: true, Tolerance: tol.String(),
		FlowsReleaseIDs: flowIDs, TotalsReleaseIDs: totalIDs, Checks: checks, CheckedAt: r.opts.Now().UTC(),
	}
	var warnings []string
	for _, c := range checks {
		if !c.OK {
			rec.OK = false
			warnings = append(warnings, c.Warning(source, flow, rec.Period))
		}
	}
	// The manifest first: the record says the check is done.
	if err := r.annotate(ctx, fp.Path, warnings); err != nil {
		return nil, err
	}
	return rec, r.storeReconcile(ctx, rec)
}

// annotate puts warnings (replacing earlier reconciliation warnings) into
// every group of the partition at dir.
func (r *Runner) annotate(ctx context.Context, dir string, warnings []string) error {
	ctx, unlock, err := r.opts.Locker.Lock(ctx, dir)
	if err != nil {
		return fmt.Errorf("lock %s: %w", dir, err)
	}
	defer unlock()
	m, err := publish.Load(ctx, r.opts.Lake, dir)
	if err != nil || m == nil {
		return err
	}
	for _, g := range m.Groups {
		if len(g.Files) == 0 {
			continue
		}
		if _, err := r.pub.Annotate(ctx, dir, g.Name, reconcilePrefix, warnings); err != nil {
			return err
		}
	}
	return nil
}

// storeReconcile writes rec unless the stored record says the same (bar
// the time), so re-runs with the same outcome write nothing.
func (r *Runner) storeReconcile(ctx context.Context, rec *ReconcileRecord) error {
	m, _ := civil.ParseMonth(rec.Period)
	key := ReconcileKey(rec.Source, rec.Flow, m)
	if b, err := lake.ReadAll(ctx, r.opts.Lake, key); err == nil {
		var old ReconcileRecord
		if json.Unmarshal(b, &old) == nil {
			old.CheckedAt = rec.CheckedAt
			if ob, err := json.Marshal(old); err == nil {
				if nb, err := json.Marshal(rec); err == nil && bytes.Equal(ob, nb) {
					return nil
				}
			}
		}
	} else if !errors.Is(err, lake.ErrNotExist) {
		return err
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return r.opts.Lake.Put(ctx, key, bytes.NewReader(b))
}

// readPartition reads every data file of the published partition at dir,
// with the release IDs of its groups. A partition never published has no
// rows.
func readPartition[T any](ctx context.Context, l lake.Lake, dir string) ([]T, []string, error) {
	m, err := publish.Load(ctx, l, dir)
	if err != nil || m == nil {
		return nil, nil, err
	}
	var rows []T
	var ids []string
	for _, g := range m.Groups {
		if len(g.Files) > 0 && g.ReleaseID != "" {
			ids = append(ids, g.ReleaseID)
		}
		for _, f := range g.Files {
			key := path.Join(dir, f.Name)
			b, err := lake.ReadAll(ctx, l, key)
			if err != nil {
				return nil, nil, err
			}
			rs, err := parquet.Read[T](bytes.NewReader(b), int64(len(b)))
			if err != nil {
				return nil, nil, fmt.Errorf("read %s: %w", key, err)
			}
			rows = append(rows, rs...)
		}
	}
	return rows, ids, nil
}

// checkKey groups HS rows and totals that describe the same figure.
type checkKey struct {
	reporter, partner string
	covers            int32
}

// compareTotals checks every total against the sum of the HS rows of the
// same reporter, partner and months covered, per HS level (each level on
// its own adds up to the total). Totals without HS rows, and HS rows
// without a total, are not compared: a detail download often covers one
// partner, a release table all of them.
func compareTotals(flows []schema.TradeFlowRecord, totals []schema.TradeTotalRecord, tol *apd.Decimal) ([]ReconcileCheck, error) {
	type level struct {
		sum  apd.Decimal
		rows int
	}
	sums := map[checkKey]map[int32]*level{}
	for _, f := range flows {
		k := checkKey{f.Reporter, f.Partner, f.CoversMonths}
		if sums[k] == nil {
			sums[k] = map[int32]*level{}
		}
		lv := sums[k][f.HSLevel]
		if lv == nil {
			lv = &level{}
			sums[k][f.HSLevel] = lv
		}
		v := money.FromCents(f.ValueUSD)
		if _, err := money.Context().Add(&lv.sum, &lv.sum, &v); err != nil {
			return nil, fmt.Errorf("sum value_usd: %w", err)
		}
		lv.rows++
	}
	var out []ReconcileCheck
	for _, t := range totals {
		k := checkKey{t.Reporter, t.Partner, t.CoversMonths}
		levels := sums[k]
		keys := make([]int32, 0, len(levels))
		for l := range levels {
			keys = append(keys, l)
		}
		slices.Sort(keys)
		for _, l := range keys {
			c, err := check(k, l, levels[l].rows, levels[l].sum, money.FromCents(t.ValueUSD), tol)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b ReconcileCheck) int {
		return strings.Compare(fmt.Sprint(a.Reporter, a.Partner, a.CoversMonths, a.HSLevel), fmt.Sprint(b.Reporter, b.Partner, b.CoversMonths, b.HSLevel))
	})
	return out, nil
}

// check compares sum with total: within tolerance when |sum − total| ≤
// tol × |total|, computed exactly.
func check(k checkKey, lvl int32, rows int, sum, total apd.Decimal, tol *apd.Decimal) (ReconcileCheck, error) {
	mc := money.Context()
	var diff, absDiff, absTotal, limit apd.Decimal
	if _, err := mc.Sub(&diff, &sum, &total); err != nil {
		return ReconcileCheck{}, err
	}
	absDiff.Abs(&diff)
	absTotal.Abs(&total)
	if _, err := mc.Mul(&limit, tol, &absTotal); err != nil {
		return ReconcileCheck{}, err
	}
	c := ReconcileCheck{
		Reporter: k.reporter, Partner: k.partner, CoversMonths: k.covers, HSLevel: lvl, HSRows: rows,
		HSSumUSD: usd(sum), TotalUSD: usd(total), DiffUSD: usd(diff), OK: absDiff.Cmp(&limit) <= 0,
	}
	if !total.IsZero() {
		// A percentage for people; the decision above is exact.
		pc := apd.BaseContext.WithPrecision(20)
		var pct apd.Decimal
		_, _ = pc.Quo(&pct, &diff, &total)
		_, _ = pc.Mul(&pct, &pct, apd.New(100, 0))
		_, _ = pc.Quantize(&pct, &pct, -2)
		c.DiffPercent = pct.String()
	}
	return c, nil
}

// usd formats an amount with two decimals.
func usd(d apd.Decimal) string {
	r := money.RoundCents(d)
	return r.String()
}
