package census

import (
	"testing"

	"github.com/tradepipe/tradepipe/internal/fuzztest"
)

// FuzzCensusJSON parses arbitrary bytes as a Census API response, for
// exports and imports. No panic; every row keeps the source's promises.
func FuzzCensusJSON(f *testing.F) {
	f.Add([]byte(`[["E_COMMODITY","E_COMMODITY_LDESC","ALL_VAL_MO","QTY_1_MO","UNIT_QY1","CTY_CODE","COMM_LVL","time"],["120190","SOYBEANS","1540731090","4054555501","KG","5700","HS6","2017-01"]]`), false)
	f.Add([]byte(`[["I_COMMODITY","GEN_VAL_MO","CTY_CODE","time"],["0201",1.000000000000000000000000000000000001,"5700","2017-01"],[null,{"a":1}]]`), true)
	exp, err := New(Options{Flow: "export", Partner: "5700"}, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	imp, err := New(Options{Flow: "import", Partner: "5700"}, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, imports bool) {
		src := exp
		if imports {
			src = imp
		}
		_ = src.Parse(t.Context(), fuzztest.Release(t, "census", "response.json", data), &fuzztest.Emitter{T: t})
	})
}
