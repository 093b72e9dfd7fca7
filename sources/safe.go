package sources

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strings"
	"unicode/utf8"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// CounterInvalidUTF8 counts string fields in which SafeParse replaced
// invalid UTF-8 bytes with U+FFFD.
const CounterInvalidUTF8 = "invalid_utf8_repaired"

// SafeParse runs p.Parse with two guarantees the engine relies on whatever
// the input holds:
//   - a panic in the parser (on this goroutine) becomes a permanent error
//     naming the input, so the input fails alone and the process lives;
//     sources that parse on other goroutines recover there themselves;
//   - every string the parser emits is valid UTF-8: invalid bytes are
//     replaced by U+FFFD and each repaired field is counted under
//     CounterInvalidUTF8 in the partitions' manifests. Repair rather than
//     quarantine, because a stray byte in a shipper's name does not make
//     the figures of the row wrong, and one bad string in Parquet makes
//     every DuckDB query over the dataset fail.
//
// ctx, the return value and when it may be called are those of
// Parser.Parse.
func SafeParse(ctx context.Context, p Parser, r *Release, e Emitter) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = Permanent(fmt.Errorf("parse %s: internal error (panic: %v); the input is refused, please report it with the file: %s",
				r.URI, v, firstFrames(debug.Stack())))
		}
	}()
	return p.Parse(ctx, r, &utf8Emitter{Emitter: e})
}

// firstFrames names the two frames below the panic, "pkg.Func
// (file.go:12)", for the error message: enough to find the bug, without
// the argument words of a raw stack.
func firstFrames(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(strings.TrimSpace(lines[i]), "panic(") {
			continue
		}
		// lines[i+1] is panic's own file; frames follow in pairs.
		for j := i + 2; j+1 < len(lines) && len(out) < 2; j += 2 {
			fn := strings.TrimSpace(lines[j])
			if k := strings.LastIndex(fn, "("); k > 0 {
				fn = fn[:k]
			}
			loc := strings.TrimSpace(lines[j+1])
			if k := strings.LastIndex(loc, " +0x"); k > 0 {
				loc = loc[:k]
			}
			out = append(out, fmt.Sprintf("%s (%s)", fn, filepath.Base(loc)))
		}
		break
	}
	return strings.Join(out, " ← ")
}

// CheckedEmitter is implemented by the emitter SafeParse hands a parser.
// ShipmentValidUTF8 and TradeFlowValidUTF8 are Shipment and TradeFlow for
// a row whose every string the parser has itself found valid UTF-8, where
// that is cheaper than checking the row again (a string the parser
// checked once and then reuses for many rows: a shared string, a cached
// name, the provenance; a cell its scanner already found valid): they
// skip the check. A parser must send any row it has not vouched for whole
// through Shipment or TradeFlow, which repair and count as always; a row
// with invalid UTF-8 sent here would break SafeParse's guarantee.
type CheckedEmitter interface {
	Emitter
	ShipmentValidUTF8(r *schema.Shipment) error
	TradeFlowValidUTF8(r *schema.TradeFlow) error
}

// utf8Emitter repairs strings before they reach the engine.
type utf8Emitter struct {
	Emitter
}

var _ CheckedEmitter = (*utf8Emitter)(nil)

// ShipmentValidUTF8 implements CheckedEmitter.
func (u *utf8Emitter) ShipmentValidUTF8(r *schema.Shipment) error { return u.Emitter.Shipment(r) }

// TradeFlowValidUTF8 implements CheckedEmitter.
func (u *utf8Emitter) TradeFlowValidUTF8(r *schema.TradeFlow) error { return u.Emitter.TradeFlow(r) }

func (u *utf8Emitter) fix(s *string) {
	if !utf8.ValidString(*s) {
		*s = strings.ToValidUTF8(*s, "\uFFFD")
		u.Emitter.Count(CounterInvalidUTF8, 1)
	}
}

func (u *utf8Emitter) fixAll(ss []string) {
	for i := range ss {
		u.fix(&ss[i])
	}
}

func (u *utf8Emitter) TradeFlow(r *schema.TradeFlow) error {
	for _, s := range []*string{&r.Reporter, &r.Partner, &r.Flow, &r.HSCode, &r.Description, &r.QuantityUnit,
		&r.Valuation, &r.Source, &r.ReleaseID, &r.SourceURI, &r.SourceSHA256} {
		u.fix(s)
	}
	return u.Emitter.TradeFlow(r)
}

func (u *utf8Emitter) TradeTotal(r *schema.TradeTotal) error {
	for _, s := range []*string{&r.Reporter, &r.Partner, &r.Flow, &r.Source, &r.ReleaseID, &r.SourceURI, &r.SourceSHA256} {
		u.fix(s)
	}
	return u.Emitter.TradeTotal(r)
}

func (u *utf8Emitter) Shipment(r *schema.Shipment) error {
	for _, s := range []*string{&r.BillOfLading, &r.Shipper, &r.Consignee, &r.OriginCountry, &r.DestinationCountry,
		&r.PortOfLading, &r.PortOfUnlading, &r.HSCode, &r.GoodsDescription, &r.Source, &r.SourceURI,
		&r.SourceSHA256, &r.Sheet} {
		u.fix(s)
	}
	u.fixAll(r.HSCodes)
	return u.Emitter.Shipment(r)
}

func (u *utf8Emitter) Reject(r *schema.Rejected) error {
	for _, s := range []*string{&r.Dataset, &r.ReasonCode, &r.Reason, &r.Field, &r.Sheet, &r.Source,
		&r.ReleaseID, &r.SourceURI, &r.SHA256} {
		u.fix(s)
	}
	u.fixAll(r.RawCells)
	return u.Emitter.Reject(r)
}

func (u *utf8Emitter) Warn(msg string) {
	u.fix(&msg)
	u.Emitter.Warn(msg)
}
