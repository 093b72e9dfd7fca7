package census

import (
	"testing"

	"github.com/tradepipe/tradepipe/internal/fuzztest"
)

// FuzzCensusJSON parses arbitrary bytes as a Census API response, for
// exports of one partner and imports of all partners (groupings dropped,
// both import values). No panic; every row keeps the source's promises,
// and every row vouched for as valid UTF-8 is.
func FuzzCensusJSON(f *testing.F) {
	f.Add([]byte(`[["E_COMMODITY","E_COMMODITY_LDESC","ALL_VAL_MO","QTY_1_MO","UNIT_QY1","CTY_CODE","COMM_LVL","time"],["120190","SOYBEANS","1540731090","4054555501","KG","5700","HS6","2017-01"]]`), false)
	f.Add([]byte(`[["I_COMMODITY","GEN_VAL_MO","CTY_CODE","time"],["0201",1.000000000000000000000000000000000001,"5700","2017-01"],[null,{"a":1}]]`), true)
	f.Add([]byte(`[["I_COMMODITY","I_COMMODITY_LDESC","GEN_VAL_MO","GEN_QY1_MO","UNIT_QY1","CON_VAL_MO","CTY_CODE","CTY_CODE","COMM_LVL","time"],`+
		`["8471300100","PORTABLE COMPUTERS","1000000","200","NO","900000","5820","5820","HS10","2020-04"],`+
		`["8471300100","PORTABLE COMPUTERS","1000000","200","NO","-1","0003","0003","HS10","2020-04"],`+
		`["8471300100","PORTABLE COMPUTERS","5","2","NO","1e400","5XXX","5XXX","HS10","2020-04"]]`), true)
	exp, err := New(Options{Flow: "export", Partner: "5700"}, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	imp, err := New(Options{Flow: "import", AllPartners: true, Level: "HS10"}, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, imports bool) {
		src := exp
		if imports {
			src = imp
		}
		_ = src.Parse(t.Context(), fuzztest.Release(t, "census", "response.json", data), &checkedEmitter{Emitter: &fuzztest.Emitter{T: t}, t: t})
	})
}
