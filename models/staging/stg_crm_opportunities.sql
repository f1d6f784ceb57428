-- One row per mortgage request, with the borrower's profile, in snake_case. The borrower's own
-- category and contract come from the ...Empru__c / ...Emprunteur__c columns; the co-borrower's
-- (...CoEmpru__c, ...CoEmprunteur__c) are left out so that nothing downstream can mistake them for
-- the borrower's. The age stays as exported (impossible values included); age_valid says whether it
-- is usable in age statistics.
WITH source AS (
  SELECT * FROM {{ source('raw', 'crm_opportunities') }}
),

renamed AS (
  SELECT
    Id AS opportunity_id,
    CreatedDate AS created_at,
    StageName AS stage_name,
    Age_emprunteur__c AS age_emprunteur,
    BanquePrincipaleEmp__c AS banque_principale,
    Deja_souscrit_credit_immo__c AS deja_souscrit_credit_immo,
    TechMail_CategorieProfessionnelleEmpru__c AS categorie_professionnelle,
    TechMail_ContratDeTravailEmprunteur__c AS contrat_travail,
    A_une_proposition_de_sa_banque__c AS a_une_proposition_de_sa_banque,
    Appel_Automatique__c AS appel_automatique,
    Avancement__c AS avancement,
    Connaissances_en_immobilier__c AS connaissances_en_immobilier,
    DurSouhaitePret__c AS duree_souhaitee_annees,
    MensuSouhaitePret__c AS mensualite_souhaitee,
    MontAppPerso__c AS montant_apport_personnel,
    MontEstimTravaux__c AS montant_estime_travaux,
    MontPretPricip__c AS montant_pret_principal,
    MontPretCEL__c AS montant_pret_cel,
    MontPretPel__c AS montant_pret_pel,
    MontPretRel__c AS montant_pret_relais,
    MontPretTxZero__c AS montant_pret_taux_zero,
    Nombre_de_banques_consultees__c AS nombre_banques_consultees,
    TotRev__c AS revenu_total,
    TotCharges__c AS total_charges,
    Residuel__c AS residuel,
    Taux_d_apport__c AS taux_apport,
    TxEndetApres__c AS taux_endettement_apres,
    Tx_Completude_Pieces__c AS taux_completude_pieces,
    TotalProposition__c AS total_propositions,
    HonorairMTX__c AS honoraires_mtx,
    Origine__c AS origine,
    Id_ApporteurWeb__c AS apporteur_web,
    SituActu__c AS situation_actuelle,
    TypBien__c AS type_bien,
    TypProj__c AS type_projet,
    UsagBien__c AS usage_bien,
    PropFinal__c AS proposition_finale,
    Points_profil__c AS points_profil,
    Points_profil_initiaux__c AS points_profil_initiaux,
    Points_profil_franchise__c AS points_profil_franchise,
    Points_profil_initiaux_franchise__c AS points_profil_initiaux_franchise,
    Esperance_de_gain_plateforme__c AS esperance_gain_plateforme,
    Esperance_de_gain_plateforme_initiale__c AS esperance_gain_plateforme_initiale,
    Esperance_de_gain_franchise__c AS esperance_gain_franchise,
    Esperance_de_gain_franchise_initiale__c AS esperance_gain_franchise_initiale,
    EntiteMTXPiste__c AS entite_id,
    RecordTypeId AS record_type_id,
    _loaded_at AS loaded_at
  FROM source
),

flagged AS (
  SELECT
    *,
    COALESCE(age_emprunteur >= 18 AND age_emprunteur <= 100, FALSE) AS age_valid
  FROM renamed
)

SELECT * FROM flagged
