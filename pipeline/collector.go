package pipeline

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/parquetfile"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sources"
)

// collector is the sources.Emitter of one release: it routes rows to one
// spool file per partition, so memory does not grow with the input.
type collector struct {
	spool      string
	ingestedAt time.Time
	releaseID  string // stamped into every file's key-value metadata
	data       map[string]*dataPart
	quarantine map[string]*quarantinePart
	counters   map[string]int64
	warnings   []string
	// parts caches the partitions of trade flows and shipments by the
	// fields that decide them, and last is the one the previous row went
	// to: building a path per row with fmt.Sprintf was 4% of a Panjiva
	// ingest's CPU and 7% of a Census one, and hashing the path to find
	// its partition 3% more (docs/BENCHMARKS.md). Rows come month by
	// month, so most rows hit last.
	parts map[partKey]*dataPart
	last  *dataPart
	lastK partKey
}

// partKey is what a row's partition depends on: source, flow (empty for
// shipments) and month.
type partKey struct {
	kind         byte // 'f' trade flow, 's' shipment
	source, flow string
	month        civil.Month
}

type dataPart struct {
	p schema.Partition
	w spoolWriter // nil until the first row, and once closed
	// closed is the spool file once w is closed (closeSpool), until
	// dropSpool removes it.
	closed *publish.LocalFile
	// matchedV1 is the version-1 digest of the published group when the
	// rows matched it (sameContent): the input record keeps it, so the
	// same input is known as unchanged next time without parsing.
	matchedV1   string
	quarantined int64
	// content fingerprints the rows and the rejected rows meant for p.
	content fingerprint
}

// spoolWriter is a parquetfile.Writer of any record type.
type spoolWriter interface {
	Rows() int64
	Close() (parquetfile.File, error)
	Abort()
}

type quarantinePart struct {
	p schema.Partition
	w *parquetfile.Writer[schema.QuarantineRecord]
}

var _ sources.Emitter = (*collector)(nil)

func newCollector(spool string, ingestedAt time.Time, releaseID string) *collector {
	return &collector{
		spool:      spool,
		ingestedAt: ingestedAt,
		releaseID:  releaseID,
		data:       map[string]*dataPart{},
		quarantine: map[string]*quarantinePart{},
		counters:   map[string]int64{},
		parts:      map[partKey]*dataPart{},
	}
}

// cached returns the data partition of k if a row went there before, or
// nil; then cache(k, the partition) adds it.
func (c *collector) cached(k partKey) *dataPart {
	if c.last != nil && k == c.lastK {
		return c.last
	}
	if d, ok := c.parts[k]; ok {
		c.last, c.lastK = d, k
		return d
	}
	return nil
}

func (c *collector) cache(k partKey, p schema.Partition) *dataPart {
	d := c.dataPart(p)
	c.parts[k] = d
	c.last, c.lastK = d, k
	return d
}

func (c *collector) dataPart(p schema.Partition) *dataPart {
	d, ok := c.data[p.Path]
	if !ok {
		d = &dataPart{p: p}
		c.data[p.Path] = d
	}
	return d
}

// TradeFlow implements sources.Emitter.
func (c *collector) TradeFlow(r *schema.TradeFlow) error {
	r.IngestedAt = c.ingestedAt
	k := partKey{'f', r.Source, r.Flow, r.Period}
	d := c.cached(k)
	if d == nil {
		d = c.cache(k, r.Partition())
	}
	rec, err := r.Record()
	if err != nil {
		// The source let through a row the column cannot hold; keep it.
		return c.Reject(&schema.Rejected{
			Dataset: schema.DatasetTradeFlows, Target: d.p, Period: r.Period,
			ReasonCode: schema.ReasonBadValue, Field: "value_usd", Reason: err.Error(),
			RawCells: []string{r.Period.String(), r.Reporter, r.Partner, r.Flow, r.HSCode, r.ValueUSD.String()},
			Source:   r.Source, ReleaseID: r.ReleaseID, SourceURI: r.SourceURI, SHA256: r.SourceSHA256,
		})
	}
	d.content.addFlow(&rec)
	return write(c, d, rec)
}

// TradeTotal implements sources.Emitter.
func (c *collector) TradeTotal(r *schema.TradeTotal) error {
	r.IngestedAt = c.ingestedAt
	rec, err := r.Record()
	if err != nil {
		return c.Reject(&schema.Rejected{
			Dataset: schema.DatasetTradeTotals, Target: r.Partition(), Period: r.Period,
			ReasonCode: schema.ReasonBadValue, Field: "value_usd", Reason: err.Error(),
			RawCells: []string{r.Period.String(), r.Reporter, r.Partner, r.Flow, r.ValueUSD.String()},
			Source:   r.Source, ReleaseID: r.ReleaseID, SourceURI: r.SourceURI, SHA256: r.SourceSHA256,
		})
	}
	d := c.dataPart(r.Partition())
	d.content.add(rec)
	return write(c, d, rec)
}

// Shipment implements sources.Emitter.
func (c *collector) Shipment(r *schema.Shipment) error {
	r.IngestedAt = c.ingestedAt
	k := partKey{'s', r.Source, "", r.ShipmentDate.MonthOf()}
	d := c.cached(k)
	if d == nil {
		d = c.cache(k, r.Partition())
	}
	rec, err := r.Record()
	if err != nil {
		return c.Reject(&schema.Rejected{
			Dataset: schema.DatasetShipments, Target: d.p, Period: r.ShipmentDate.MonthOf(),
			ReasonCode: schema.ReasonBadValue, Field: "value_usd", Reason: err.Error(),
			Sheet: r.Sheet, Row: r.SourceRow,
			RawCells: []string{r.ShipmentDate.String(), r.BillOfLading, r.HSCode, r.ValueUSD.String()},
			Source:   r.Source, SourceURI: r.SourceURI, SHA256: r.SourceSHA256,
		})
	}
	d.content.add(rec)
	return write(c, d, rec)
}

// write adds rec to partition d's spool file, creating it on first use.
// The caller has added rec to d's fingerprint.
func write[T any](c *collector, d *dataPart, rec T) error {
	if d.w == nil {
		w, err := parquetfile.Create[T](c.spool, parquetfile.Release(c.releaseID))
		if err != nil {
			return err
		}
		d.w = w
	}
	w, ok := d.w.(*parquetfile.Writer[T])
	if !ok {
		return fmt.Errorf("partition %s gets rows of two record types", d.p.Path)
	}
	return w.Write(rec)
}

// Reject implements sources.Emitter.
func (c *collector) Reject(r *schema.Rejected) error {
	r.IngestedAt = c.ingestedAt
	rec := r.Record()
	if r.Target.Path != "" {
		d := c.dataPart(r.Target)
		d.quarantined++
		// Rejected rows count in the content: a re-release that fixes
		// them must replace the partition and clear its quarantine.
		d.content.add(rec)
	}
	p := r.Partition()
	q, ok := c.quarantine[p.Path]
	if !ok {
		opts := []parquetfile.Option{parquetfile.Release(c.releaseID)}
		if t, err := schema.TableNamed("quarantine_" + r.Dataset); err == nil {
			opts = append(opts, parquetfile.Table(t))
		}
		w, err := parquetfile.Create[schema.QuarantineRecord](c.spool, opts...)
		if err != nil {
			return err
		}
		q = &quarantinePart{p: p, w: w}
		c.quarantine[p.Path] = q
	}
	return q.w.Write(rec)
}

// Count implements sources.Emitter.
func (c *collector) Count(name string, n int64) { c.counters[name] += n }

// Warn implements sources.Emitter.
func (c *collector) Warn(msg string) {
	if len(c.warnings) < 100 {
		c.warnings = append(c.warnings, msg)
	}
}

// dataParts returns the data partitions in path order.
func (c *collector) dataParts() []*dataPart {
	out := make([]*dataPart, 0, len(c.data))
	for _, d := range c.data {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *dataPart) int { return strings.Compare(a.p.Path, b.p.Path) })
	return out
}

// quarantineFor returns the quarantine partition that rows meant for data
// partition p went to, or nil. Each data partition has its own, so two
// partitions of one release never share a writer.
func (c *collector) quarantineFor(p schema.Partition) *quarantinePart {
	return c.quarantine[schema.QuarantineOf(p).Path]
}

// dropSpool removes d's closed spool file, once: the spool directory is
// shared by the releases of a backfill, so a second remove could take
// another release's file of the same name.
func (d *dataPart) dropSpool() {
	if d.closed != nil {
		_ = os.Remove(d.closed.Path)
		d.closed = nil
	}
}

// abort removes every spool file.
func (c *collector) abort() {
	for _, d := range c.data {
		if d.w != nil {
			d.w.Abort()
		}
		d.dropSpool()
	}
	for _, q := range c.quarantine {
		q.w.Abort()
	}
}

func (c *collector) String() string {
	return fmt.Sprintf("%d partitions, %d quarantine partitions", len(c.data), len(c.quarantine))
}
