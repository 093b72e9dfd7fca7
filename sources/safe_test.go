package sources_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
)

type parserFunc func(ctx context.Context, r *sources.Release, e sources.Emitter) error

func (f parserFunc) Parse(ctx context.Context, r *sources.Release, e sources.Emitter) error {
	return f(ctx, r, e)
}

type recorder struct {
	flows   []*schema.TradeFlow
	ships   []*schema.Shipment
	rejects []*schema.Rejected
	counts  map[string]int64
	warns   []string
}

func (r *recorder) TradeFlow(f *schema.TradeFlow) error { r.flows = append(r.flows, f); return nil }
func (r *recorder) TradeTotal(*schema.TradeTotal) error { return nil }
func (r *recorder) Shipment(s *schema.Shipment) error   { r.ships = append(r.ships, s); return nil }
func (r *recorder) Reject(j *schema.Rejected) error     { r.rejects = append(r.rejects, j); return nil }
func (r *recorder) Count(name string, n int64)          { r.counts[name] += n }
func (r *recorder) Warn(msg string)                     { r.warns = append(r.warns, msg) }

func TestSafeParsePanic(t *testing.T) {
	p := parserFunc(func(context.Context, *sources.Release, sources.Emitter) error {
		var s []int
		_ = s[3] // an index out of range, as the xlsx scanner had
		return nil
	})
	err := sources.SafeParse(t.Context(), p, &sources.Release{URI: "inbox/bad.xlsx"}, &recorder{counts: map[string]int64{}})
	if err == nil || !errors.Is(err, sources.ErrPermanent) {
		t.Fatalf("err = %v", err)
	}
	for _, w := range []string{"inbox/bad.xlsx", "panic", "index out of range", "(safe_test.go:"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q: %v", w, err)
		}
	}
}

func TestSafeParseRepairsUTF8(t *testing.T) {
	p := parserFunc(func(_ context.Context, _ *sources.Release, e sources.Emitter) error {
		if err := e.TradeFlow(&schema.TradeFlow{Description: "beef \xc3\x28", HSCode: "0201"}); err != nil {
			return err
		}
		e.Warn("bad \xff")
		return e.Reject(&schema.Rejected{RawCells: []string{"ok", "\xfe"}})
	})
	rec := &recorder{counts: map[string]int64{}}
	if err := sources.SafeParse(t.Context(), p, &sources.Release{}, rec); err != nil {
		t.Fatal(err)
	}
	if rec.flows[0].Description != "beef \uFFFD(" || rec.flows[0].HSCode != "0201" {
		t.Errorf("flow %+v", rec.flows[0])
	}
	if rec.rejects[0].RawCells[1] != "\uFFFD" || rec.warns[0] != "bad \uFFFD" {
		t.Errorf("reject %+v, warn %q", rec.rejects[0], rec.warns)
	}
	if rec.counts[sources.CounterInvalidUTF8] != 3 {
		t.Errorf("counts %v", rec.counts)
	}
}

// The emitter SafeParse gives a parser is a CheckedEmitter: Shipment
// repairs and counts, ShipmentValidUTF8 (for rows the parser vouched for)
// passes the row as it is.
func TestSafeParseCheckedEmitter(t *testing.T) {
	p := parserFunc(func(_ context.Context, _ *sources.Release, e sources.Emitter) error {
		c, ok := e.(sources.CheckedEmitter)
		if !ok {
			t.Fatalf("SafeParse's emitter %T is not a CheckedEmitter", e)
		}
		if err := c.Shipment(&schema.Shipment{Shipper: "Ac\xffme", HSCodes: []string{"02\xfe"}}); err != nil {
			return err
		}
		return c.ShipmentValidUTF8(&schema.Shipment{Shipper: "Acme", Sheet: "Blatt 1 – Übersicht"})
	})
	rec := &recorder{counts: map[string]int64{}}
	if err := sources.SafeParse(t.Context(), p, &sources.Release{}, rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.ships) != 2 || rec.ships[0].Shipper != "Ac\uFFFDme" || rec.ships[0].HSCodes[0] != "02\uFFFD" ||
		rec.ships[1].Shipper != "Acme" || rec.ships[1].Sheet != "Blatt 1 – Übersicht" {
		t.Errorf("shipments %+v", rec.ships)
	}
	if rec.counts[sources.CounterInvalidUTF8] != 2 {
		t.Errorf("counts %v", rec.counts)
	}
}
