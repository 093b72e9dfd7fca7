package parquetfile

import (
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// cpuNanos is the process's user+sys CPU so far: on a shared machine the
// wall time of a benchmark is the load's.
func cpuNanos(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// benchWrite writes rows to one file per iteration (Write and Close: the
// row spool, the sort and parquet-go's encoder) and reports CPU per file.
func benchWrite[T any](b *testing.B, rows []T) {
	dir := b.TempDir()
	b.ReportAllocs()
	start := cpuNanos(b)
	b.ResetTimer()
	for range b.N {
		w, err := Create[T](dir)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			if err := w.Write(r); err != nil {
				b.Fatal(err)
			}
		}
		f, err := w.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := os.Remove(f.Path); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuNanos(b)-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkWriteTradeFlows is an all-partner HS10 month as the Census
// source emits it: for each code every partner, so the file's sort
// (partner, hs_code) reads the row spool with a stride.
func BenchmarkWriteTradeFlows(b *testing.B) {
	const codes, partners = 600, 200
	rows := make([]schema.TradeFlowRecord, 0, codes*partners)
	unit := "KG"
	for c := range codes {
		code := fmt.Sprintf("%010d", 8_400_000_000+c*7919)
		desc := fmt.Sprintf("DESCRIPTION OF COMMODITY %s, OTHER THAN THOSE OF HEADING %d", code, c)
		for p := range partners {
			q := float64(c*p + 1)
			rows = append(rows, schema.TradeFlowRecord{
				Period: 16436, Reporter: "US", Partner: fmt.Sprintf("%04d", 1000+p*13), Flow: "export",
				HSCode: code, HSLevel: 10, Description: &desc, ValueUSD: int64(c*1000 + p),
				Quantity: &q, QuantityUnit: &unit, Valuation: "FAS", CoversMonths: 1,
				Source: "census", ReleaseID: "rel-2015-01-0123456789abcdef",
				SourceURI:    "https://api.census.gov/data/timeseries/intltrade/exports/hs?time=2015-01&COMM_LVL=HS10",
				SourceSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
				IngestedAt:   1_700_000_000_000_000,
			})
		}
	}
	benchWrite(b, rows)
}

// BenchmarkWriteShipments is a month of a Panjiva delivery: rows in
// workbook order, unrelated to the sort order, 3,000 HS codes.
func BenchmarkWriteShipments(b *testing.B) {
	rows := shipments(80_000)
	codes := make([]string, 3000)
	for i := range codes {
		codes[i] = fmt.Sprintf("%06d", 840_000+i*7)
	}
	names := []string{"ACME TRADING CO LTD", "SHENZHEN ELECTRONICS IMPORT EXPORT CO", "GLOBAL LOGISTICS INC", "NINGBO HOMEWARE MANUFACTURING"}
	ports := []string{"SHANGHAI", "YANTIAN", "LONG BEACH, CALIFORNIA", "NEWARK, NEW JERSEY"}
	for i := range rows {
		r := &rows[i]
		r.HSCode = codes[(i*7919)%len(codes)]
		r.HSCodes = []string{r.HSCode}
		r.Shipper, r.Consignee = &names[i%4], &names[(i/3)%4]
		r.PortOfLading, r.PortOfUnlading = &ports[i%2], &ports[2+(i/5)%2]
		w, d := float64(i%9000)+0.5, fmt.Sprintf("GOODS %d, IN CARTONS, HS %s", i%3000, r.HSCode)
		r.WeightKg, r.GoodsDescription = &w, &d
		r.SourceURI = "file:///inbox/panjiva/delivery-2026-11/shipments-us-imports-full.xlsx"
		r.SourceSHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	}
	benchWrite(b, rows)
}
