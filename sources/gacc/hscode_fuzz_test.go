package gacc

import (
	"testing"

	"github.com/tradepipe/tradepipe/internal/fuzztest"
)

// FuzzGACCHSCode normalises arbitrary commodity codes.
func FuzzGACCHSCode(f *testing.F) {
	for _, s := range []string{"12019000", "2032900", "1201.9000", "0201.0", "", "99999999999", "１２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if code, ok := hsCode(s); ok {
			fuzztest.CheckHS(t, code)
		}
	})
}
