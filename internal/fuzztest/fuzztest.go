// Package fuzztest serves the parsers' fuzz targets: it turns a fuzz input
// into a release on disk and checks what a parse emits against what every
// source promises (HS codes of digits at a valid level, amounts that fit
// DECIMAL(18,2), months that exist). A broken promise fails the fuzz
// input; a parse error does not, since refusing bad input is the point.
package fuzztest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
)

// Release writes data to a file named name in a fresh temporary directory
// and returns it as a release of source.
func Release(t testing.TB, source, name string, data []byte) *sources.Release {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return &sources.Release{Source: source, URI: "inbox/" + name, Name: name, Path: p, Size: int64(len(data)),
		SHA256: "0000000000000000000000000000000000000000000000000000000000000000", ReleaseID: "fuzz"}
}

// Emitter checks each row it receives; Rows and Rejects count them.
type Emitter struct {
	T             testing.TB
	Rows, Rejects int
}

var _ sources.Emitter = (*Emitter)(nil)

// CheckHS fails t when code is not an HS code: 2 to 10 digits, even.
func CheckHS(t testing.TB, code string) {
	t.Helper()
	if n := len(code); n < 2 || n > 10 || n%2 != 0 {
		t.Errorf("HS code %q: length %d", code, n)
	}
	for _, c := range []byte(code) {
		if c < '0' || c > '9' {
			t.Errorf("HS code %q: not digits", code)
			return
		}
	}
}

func (e *Emitter) checkMonth(what string, year, month int) {
	if month < 1 || month > 12 || year < 1 || year > 9999 {
		e.T.Errorf("%s: month %04d-%02d does not exist", what, year, month)
	}
}

func (e *Emitter) TradeFlow(r *schema.TradeFlow) error {
	e.Rows++
	CheckHS(e.T, r.HSCode)
	e.checkMonth("trade flow", r.Period.Year, int(r.Period.Month))
	if _, err := money.Cents(r.ValueUSD); err != nil {
		e.T.Errorf("trade flow value: %v", err)
	}
	return nil
}

func (e *Emitter) TradeTotal(r *schema.TradeTotal) error {
	e.Rows++
	e.checkMonth("trade total", r.Period.Year, int(r.Period.Month))
	if _, err := money.Cents(r.ValueUSD); err != nil {
		e.T.Errorf("trade total value: %v", err)
	}
	return nil
}

func (e *Emitter) Shipment(r *schema.Shipment) error {
	e.Rows++
	CheckHS(e.T, r.HSCode)
	for _, c := range r.HSCodes {
		CheckHS(e.T, c)
	}
	if !r.ShipmentDate.Valid() {
		e.T.Errorf("shipment date %v is not a date", r.ShipmentDate)
	}
	if r.ValueUSD != nil {
		if _, err := money.Cents(*r.ValueUSD); err != nil {
			e.T.Errorf("shipment value: %v", err)
		}
	}
	return nil
}

func (e *Emitter) Reject(r *schema.Rejected) error {
	e.Rejects++
	if r.ReasonCode == "" {
		e.T.Errorf("reject without a reason code: %+v", r)
	}
	return nil
}

func (e *Emitter) Count(string, int64) {}
func (e *Emitter) Warn(string)         {}
