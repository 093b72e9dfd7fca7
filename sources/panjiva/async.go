package panjiva

import (
	"errors"

	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
)

// asyncEmitter lets the sheet reader run in its own goroutine while the
// caller's goroutine hands rows to the real emitter (which encodes
// Parquet): the two overlap. It keeps the order of calls, and the real
// emitter is only ever called from the goroutine that runs drain.
type asyncEmitter struct {
	ch    chan []item
	stop  chan struct{} // closed by drain when the real emitter fails
	buf   []item
	bytes int // text held by buf, against asyncBatchBytes
}

type item struct {
	ship *schema.Shipment
	// valid: the reader found every string of ship valid UTF-8, so it
	// goes to sources.CheckedEmitter.ShipmentValidUTF8.
	valid bool
	rej   *schema.Rejected
	count string
	n     int64
	warn  string
}

// A batch is sent at asyncBatch items or asyncBatchBytes of text, so the
// batches in flight (the channel's 4, one being filled, one being
// drained) hold a few tens of megabytes even when every row is a
// quarantined row of 16 MiB of cells.
const (
	asyncBatch      = 512
	asyncBatchBytes = 4 << 20
)

// errEmitterStopped tells the reader that drain gave up; drain returns
// the real cause.
var errEmitterStopped = errors.New("emitter stopped")

var _ sources.Emitter = (*asyncEmitter)(nil)

func newAsyncEmitter() *asyncEmitter {
	return &asyncEmitter{ch: make(chan []item, 4), stop: make(chan struct{}), buf: make([]item, 0, asyncBatch)}
}

func (a *asyncEmitter) add(it item) error {
	a.buf = append(a.buf, it)
	a.bytes += it.size()
	if len(a.buf) == cap(a.buf) || a.bytes >= asyncBatchBytes {
		return a.flush()
	}
	return nil
}

// size is roughly the text an item holds.
func (it item) size() int {
	n := len(it.warn)
	if r := it.rej; r != nil {
		n += len(r.Reason)
		for _, c := range r.RawCells {
			n += len(c)
		}
	}
	if s := it.ship; s != nil {
		n += len(s.BillOfLading) + len(s.Shipper) + len(s.Consignee) + len(s.PortOfLading) + len(s.PortOfUnlading) + len(s.GoodsDescription)
	}
	return n
}

// flush sends the pending batch.
func (a *asyncEmitter) flush() error {
	if len(a.buf) == 0 {
		return nil
	}
	select {
	case a.ch <- a.buf:
		a.buf = make([]item, 0, asyncBatch)
		a.bytes = 0
		return nil
	case <-a.stop:
		return errEmitterStopped
	}
}

// close flushes and ends the stream; the reader calls it last.
func (a *asyncEmitter) close() {
	_ = a.flush()
	close(a.ch)
}

// drain hands every item to e until the stream ends. After e fails it
// stops the reader, discards the rest and returns e's error.
func (a *asyncEmitter) drain(e sources.Emitter) error {
	checked, _ := e.(sources.CheckedEmitter)
	var err error
	for batch := range a.ch {
		if err != nil {
			continue
		}
		for _, it := range batch {
			switch {
			case it.ship != nil && it.valid && checked != nil:
				err = checked.ShipmentValidUTF8(it.ship)
			case it.ship != nil:
				err = e.Shipment(it.ship)
			case it.rej != nil:
				err = e.Reject(it.rej)
			case it.count != "":
				e.Count(it.count, it.n)
			default:
				e.Warn(it.warn)
			}
			if err != nil {
				close(a.stop)
				break
			}
		}
	}
	return err
}

func (a *asyncEmitter) TradeFlow(*schema.TradeFlow) error {
	return errors.New("panjiva emits no trade_flows rows")
}

func (a *asyncEmitter) TradeTotal(*schema.TradeTotal) error {
	return errors.New("panjiva emits no trade_totals rows")
}

func (a *asyncEmitter) Shipment(s *schema.Shipment) error { return a.add(item{ship: s}) }

// shipmentValidUTF8 is Shipment for a row whose strings the reader has
// found valid UTF-8 (sources.CheckedEmitter).
func (a *asyncEmitter) shipmentValidUTF8(s *schema.Shipment) error {
	return a.add(item{ship: s, valid: true})
}
func (a *asyncEmitter) Reject(r *schema.Rejected) error { return a.add(item{rej: r}) }
func (a *asyncEmitter) Count(name string, n int64)      { _ = a.add(item{count: name, n: n}) }
func (a *asyncEmitter) Warn(msg string)                 { _ = a.add(item{warn: msg}) }
