package panjiva

import (
	"testing"

	"github.com/tradepipe/tradepipe/internal/money"
)

// FuzzValue normalises arbitrary value cells: the amount must fit the
// lake's DECIMAL(18,2) whenever there is no error.
func FuzzValue(f *testing.F) {
	for _, s := range []string{"1234.5", "$1,234.56", "(12.00)", "USD 5", "1.000000000000000000000000000000000001", "1e308", "9999999999999999.99", "-0", "N/A"} {
		f.Add(s, kindNumber)
		f.Add(s, kindText)
	}
	f.Fuzz(func(t *testing.T, s string, kind byte) {
		v, err := parseValue(cell{kind: kind % (kindDate + 1), v: []byte(s)})
		if err != nil || v == nil {
			return
		}
		if _, err := money.Cents(*v); err != nil {
			t.Fatalf("%q → %s: %v", s, v.Text('f'), err)
		}
	})
}
