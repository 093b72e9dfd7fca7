package panjiva

import (
	"testing"

	"github.com/tradepipe/tradepipe/internal/fuzztest"
)

// FuzzHSCodes normalises arbitrary HS code cells, as text and as numbers.
func FuzzHSCodes(f *testing.F) {
	for _, s := range []string{"0201.30", "201.3", "8471.30; 8473.30", "HS 020130 beef", "1e308", "-0", "99999999999999999999"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, number bool) {
		c := cell{kind: kindText, v: []byte(s)}
		if number {
			c.kind = kindNumber
		}
		codes, err := parseHSCodes(c)
		if err != nil {
			return
		}
		if len(codes) == 0 {
			t.Fatal("no error and no code")
		}
		for _, code := range codes {
			fuzztest.CheckHS(t, code)
		}
	})
}
