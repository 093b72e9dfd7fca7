package schema

import (
	"fmt"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
)

// ShipmentPartition is where shipments of source in month m live; each
// delivery writes its own file in it.
func ShipmentPartition(source string, m civil.Month) Partition {
	return Partition{
		Dataset: DatasetShipments,
		Path:    fmt.Sprintf("%s/source=%s/%s", DatasetShipments, source, monthPath(m)),
		Month:   m,
	}
}

// Shipment is one shipment record (bill of lading) from a Panjiva-style
// export. Empty strings are nulls.
type Shipment struct {
	ShipmentDate       civil.Date
	BillOfLading       string
	Shipper            string
	Consignee          string
	OriginCountry      string // ISO2
	DestinationCountry string // ISO2
	PortOfLading       string
	PortOfUnlading     string
	HSCode             string   // first code, digits
	HSCodes            []string // every code the record lists
	GoodsDescription   string
	ValueUSD           *apd.Decimal // nil when the export has none
	WeightKg           *float64
	TEU                *float64
	Source             string
	SourceURI          string
	SourceSHA256       string
	Sheet              string
	SourceRow          int64
	IngestedAt         time.Time
}

// Partition returns the partition the row belongs to.
func (s *Shipment) Partition() Partition {
	return ShipmentPartition(s.Source, s.ShipmentDate.MonthOf())
}

// ShipmentRecord is the Parquet encoding of Shipment.
type ShipmentRecord struct {
	ShipmentDate       int32    `parquet:"shipment_date,date,dict"`
	Period             int32    `parquet:"period,date,dict"`
	BillOfLading       *string  `parquet:"bill_of_lading,optional"`
	Shipper            *string  `parquet:"shipper,optional,dict"`
	Consignee          *string  `parquet:"consignee,optional,dict"`
	OriginCountry      *string  `parquet:"origin_country,optional,dict"`
	DestinationCountry *string  `parquet:"destination_country,optional,dict"`
	PortOfLading       *string  `parquet:"port_of_lading,optional,dict"`
	PortOfUnlading     *string  `parquet:"port_of_unlading,optional,dict"`
	HSCode             string   `parquet:"hs_code,dict"`
	HSCodes            []string `parquet:"hs_codes,list,dict"`
	GoodsDescription   *string  `parquet:"goods_description,optional,dict"`
	ValueUSD           *int64   `parquet:"value_usd,decimal(2:18),optional"`
	WeightKg           *float64 `parquet:"weight_kg,optional"`
	TEU                *float64 `parquet:"teu,optional,dict"`
	Source             string   `parquet:"source,dict"`
	SourceURI          string   `parquet:"source_uri,dict"`
	SourceSHA256       string   `parquet:"source_sha256,dict"`
	Sheet              string   `parquet:"sheet,dict"`
	SourceRow          int64    `parquet:"source_row"`
	IngestedAt         int64    `parquet:"ingested_at,timestamp(microsecond),dict"`
}

// Record encodes s for Parquet. The record's strings point into s
// rather than to copies (a copy to the heap per optional field was a
// quarter of the collector's CPU on a Panjiva ingest), so s must not
// change while the record is in use; the collector encodes it at once.
func (s *Shipment) Record() (ShipmentRecord, error) {
	var value *int64
	if s.ValueUSD != nil {
		c, err := money.Cents(*s.ValueUSD)
		if err != nil {
			return ShipmentRecord{}, fmt.Errorf("value_usd: %w", err)
		}
		value = &c
	}
	codes := s.HSCodes
	if codes == nil {
		codes = []string{s.HSCode}
	}
	return ShipmentRecord{
		ShipmentDate:       s.ShipmentDate.DaysSinceEpoch(),
		Period:             s.ShipmentDate.MonthOf().First().DaysSinceEpoch(),
		BillOfLading:       optField(&s.BillOfLading),
		Shipper:            optField(&s.Shipper),
		Consignee:          optField(&s.Consignee),
		OriginCountry:      optField(&s.OriginCountry),
		DestinationCountry: optField(&s.DestinationCountry),
		PortOfLading:       optField(&s.PortOfLading),
		PortOfUnlading:     optField(&s.PortOfUnlading),
		HSCode:             s.HSCode,
		HSCodes:            codes,
		GoodsDescription:   optField(&s.GoodsDescription),
		ValueUSD:           value,
		WeightKg:           s.WeightKg,
		TEU:                s.TEU,
		Source:             s.Source,
		SourceURI:          s.SourceURI,
		SourceSHA256:       s.SourceSHA256,
		Sheet:              s.Sheet,
		SourceRow:          s.SourceRow,
		IngestedAt:         Micros(s.IngestedAt),
	}, nil
}

// optField is optString without the copy: nil for "", else p itself.
func optField(p *string) *string {
	if *p == "" {
		return nil
	}
	return p
}
