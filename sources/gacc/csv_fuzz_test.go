package gacc

import (
	"testing"

	"github.com/tradepipe/tradepipe/internal/fuzztest"
)

// FuzzGACCCSV parses arbitrary delimited text (any encoding the source
// detects) as a GACC detail table. No panic; rows keep their promises.
func FuzzGACCCSV(f *testing.F) {
	f.Add([]byte("Date,Commodity code,Commodity name,Trading partner code,Trading partner name,First quantity,First unit,US dollar\n201701,12019000,Soybeans,502,United States,5210000000,千克,2296500000.00\n"))
	f.Add([]byte("Date,Commodity code,Trading partner name,US dollar\n201701,02013000,United States,1.000000000000000000000000000000000001\n"))
	fuzzParse(f, "detail.csv")
}

// fuzzParse is the body the GACC targets share: the input is the file.
func fuzzParse(f *testing.F, name string) {
	src, err := New(Options{}, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = src.Parse(t.Context(), fuzztest.Release(t, Name, name, data), &fuzztest.Emitter{T: t})
	})
}
