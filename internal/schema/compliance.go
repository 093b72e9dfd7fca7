package schema

import (
	"fmt"
	"math"
	"strconv"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
)

// CompliancePartition is where the compliance rows of basis (us_exports or
// cn_imports) for year live. The whole year is one partition, rewritten
// whenever it is recomputed.
func CompliancePartition(basis string, year int) Partition {
	return Partition{
		Dataset: DatasetCompliance,
		Path:    fmt.Sprintf("%s/basis=%s/year=%04d", DatasetCompliance, basis, year),
	}
}

// Compliance is one basis × month × category row of the Phase One
// compliance metrics. Nil pointers are nulls.
type Compliance struct {
	Basis    string // us_exports or cn_imports
	Period   civil.Month
	Category string // manufactured_goods, agriculture, energy, all_covered, uncovered, ambiguous, services
	// ValueUSD is the month's purchases; for a month whose figure covers two
	// months (a combined January–February release) it is the combined figure.
	ValueUSD apd.Decimal
	// CoversMonths is how many months ValueUSD covers, ending at Period: 2
	// for China's combined January–February release, else 1.
	CoversMonths int
	YTDUSD       apd.Decimal // January through Period
	// Baseline2017USD is the whole-year 2017 value; nil when the chosen
	// baseline has no figure for the category (PIIE's original tracker
	// published all covered goods only).
	Baseline2017USD *apd.Decimal
	TargetUSD       *apd.Decimal // baseline + the year's increment; nil without one
	TargetYTDUSD    *apd.Decimal // TargetUSD prorated through Period
	PctOfTargetYTD  *float64     // 100 × YTDUSD / TargetYTDUSD
	ShortfallYTDUSD *apd.Decimal // TargetYTDUSD − YTDUSD (negative when ahead)
	// YTD2017USD is the same category's value over the same months of 2017,
	// from the lake; nil when the lake lacks one of those months.
	YTD2017USD     *apd.Decimal
	Proration      string // linear or seasonal
	BaselineSource string // lake, piie_original, piie_revised (piie_final for services)
}

// Partition returns the partition the row belongs to.
func (r *Compliance) Partition() Partition { return CompliancePartition(r.Basis, r.Period.Year) }

// ComplianceRecord is the Parquet encoding of Compliance.
type ComplianceRecord struct {
	Basis           string   `parquet:"basis,dict"`
	Period          int32    `parquet:"period,date,dict"`
	Category        string   `parquet:"category,dict"`
	ValueUSD        int64    `parquet:"value_usd,decimal(2:18)"`
	CoversMonths    int32    `parquet:"covers_months"`
	YTDUSD          int64    `parquet:"ytd_usd,decimal(2:18)"`
	Baseline2017USD *int64   `parquet:"baseline_2017_usd,decimal(2:18),optional"`
	TargetUSD       *int64   `parquet:"target_usd,decimal(2:18),optional"`
	TargetYTDUSD    *int64   `parquet:"target_ytd_usd,decimal(2:18),optional"`
	PctOfTargetYTD  *float64 `parquet:"pct_of_target_ytd,optional"`
	ShortfallYTDUSD *int64   `parquet:"shortfall_ytd_usd,decimal(2:18),optional"`
	YTD2017USD      *int64   `parquet:"ytd_2017_usd,decimal(2:18),optional"`
	Proration       string   `parquet:"proration,dict"`
	BaselineSource  string   `parquet:"baseline_source,dict"`
}

// Record encodes r for Parquet. Derived amounts must already be rounded to
// cents (money.RoundCents); anything finer is an error.
func (r *Compliance) Record() (ComplianceRecord, error) {
	var err error
	cents := func(name string, d apd.Decimal) int64 {
		c, e := money.Cents(d)
		if e != nil && err == nil {
			err = fmt.Errorf("%s: %w", name, e)
		}
		return c
	}
	opt := func(name string, d *apd.Decimal) *int64 {
		if d == nil {
			return nil
		}
		c := cents(name, *d)
		return &c
	}
	rec := ComplianceRecord{
		Basis:           r.Basis,
		Period:          r.Period.First().DaysSinceEpoch(),
		Category:        r.Category,
		ValueUSD:        cents("value_usd", r.ValueUSD),
		CoversMonths:    int32(max(r.CoversMonths, 1)),
		YTDUSD:          cents("ytd_usd", r.YTDUSD),
		Baseline2017USD: opt("baseline_2017_usd", r.Baseline2017USD),
		TargetUSD:       opt("target_usd", r.TargetUSD),
		TargetYTDUSD:    opt("target_ytd_usd", r.TargetYTDUSD),
		PctOfTargetYTD:  r.PctOfTargetYTD,
		ShortfallYTDUSD: opt("shortfall_ytd_usd", r.ShortfallYTDUSD),
		YTD2017USD:      opt("ytd_2017_usd", r.YTD2017USD),
		Proration:       r.Proration,
		BaselineSource:  r.BaselineSource,
	}
	if r.PctOfTargetYTD != nil && (math.IsNaN(*r.PctOfTargetYTD) || math.IsInf(*r.PctOfTargetYTD, 0)) {
		return ComplianceRecord{}, fmt.Errorf("pct_of_target_ytd: %s is not finite", strconv.FormatFloat(*r.PctOfTargetYTD, 'g', -1, 64))
	}
	return rec, err
}
