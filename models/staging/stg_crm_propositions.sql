-- One row per loan offer. Partenaire__c is the id of the BANK that made the offer, not the offer's
-- id: the offer's own id is Id. Rates stay NULL when the export left them empty; 0.0 is a rate.
WITH source AS (
  SELECT * FROM {{ source('raw', 'crm_propositions') }}
),

renamed AS (
  SELECT
    Id AS proposition_id,
    Opportunity__c AS opportunity_id,
    Partenaire__c AS bank_id,
    CreatedDate AS created_at,
    TXHA__c AS interest_rate,
    TauxAss__c AS insurance_rate,
    DureePret_Mois__c AS duration_months,
    Etape_Source__c AS source_step,
    _loaded_at AS loaded_at
  FROM source
)

SELECT * FROM renamed
