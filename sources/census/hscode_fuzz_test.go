package census

import (
	"testing"

	"github.com/tradepipe/tradepipe/internal/fuzztest"
)

// FuzzCensusHSCode normalises arbitrary commodity codes at each level.
func FuzzCensusHSCode(f *testing.F) {
	for _, s := range []string{"120190", "20329", "01", "1", "12345678901", " 0201 "} {
		f.Add(s, "HS6")
		f.Add(s, "HS2")
	}
	f.Fuzz(func(t *testing.T, s, level string) {
		if code, ok := hsCode(s, level); ok {
			fuzztest.CheckHS(t, code)
		}
	})
}
