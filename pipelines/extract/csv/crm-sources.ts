import type { ColumnType } from '../../warehouse/types.js';

/**
 * The three CRM exports as ../shared/data/SOURCES.md describes them: the source contract that the
 * generator writes, the loader types, and the staging models read. Column names are the export's own.
 */
export type CrmTable = 'opportunities' | 'propositions' | 'banks';

/** How a source column is written in the export, and the warehouse type it is loaded as. */
export type SourceKind = 'id' | 'flag' | 'number' | 'text' | 'timestamp';

export interface SourceColumn {
  name: string;
  kind: SourceKind;
  /** A file without this column is rejected whole. */
  required: boolean;
  description: string;
}

export interface CrmSource {
  table: CrmTable;
  /** Raw table name in the `raw` layer. */
  rawTable: string;
  primaryKey: string;
  columns: SourceColumn[];
  description: string;
}

export const KIND_TYPES: Record<SourceKind, ColumnType> = {
  id: 'STRING',
  flag: 'BOOL',
  number: 'FLOAT64',
  text: 'STRING',
  timestamp: 'TIMESTAMP',
};

const col = (name: string, kind: SourceKind, description: string, required = true): SourceColumn => ({
  name,
  kind,
  required,
  description,
});

export const OPPORTUNITIES: CrmSource = {
  table: 'opportunities',
  rawTable: 'crm_opportunities',
  primaryKey: 'Id',
  description: 'CRM opportunities export: one row per mortgage request and the borrower profile (Salesforce Opportunity).',
  columns: [
    col('Id', 'id', 'Opportunity id (18-character Salesforce id), primary key'),
    col('A_une_proposition_de_sa_banque__c', 'flag', 'Borrower already has an offer from their own bank'),
    col('Age_emprunteur__c', 'number', 'Borrower age in years (dirty: impossible values exist)'),
    col('Appel_Automatique__c', 'flag', 'Automatic call-back requested'),
    col('Avancement__c', 'number', 'Progress step'),
    col('BanquePrincipaleEmp__c', 'text', "Borrower's main bank"),
    col('Connaissances_en_immobilier__c', 'number', 'Self-rated real-estate knowledge'),
    col('CreatedDate', 'timestamp', 'Creation time (UTC)'),
    col('Deja_souscrit_credit_immo__c', 'flag', 'Has had a mortgage before'),
    col('DurSouhaitePret__c', 'number', 'Wished loan duration, years'),
    col('EntiteMTXPiste__c', 'id', 'Internal entity'),
    col('Esperance_de_gain_franchise__c', 'number', 'Expected-gain score (franchise)'),
    col('Esperance_de_gain_franchise_initiale__c', 'number', 'Initial expected-gain score (franchise)'),
    col('Esperance_de_gain_plateforme__c', 'number', 'Expected-gain score (platform)'),
    col('Esperance_de_gain_plateforme_initiale__c', 'number', 'Initial expected-gain score (platform)'),
    col('HonorairMTX__c', 'number', 'Broker fee'),
    col('Id_ApporteurWeb__c', 'text', 'Web lead source'),
    col('MensuSouhaitePret__c', 'number', 'Wished monthly payment'),
    col('MontAppPerso__c', 'number', 'Personal contribution'),
    col('MontEstimTravaux__c', 'number', 'Estimated works'),
    col('MontPretCEL__c', 'number', 'CEL secondary loan amount'),
    col('MontPretPel__c', 'number', 'PEL secondary loan amount'),
    col('MontPretPricip__c', 'number', 'Main loan amount'),
    col('MontPretRel__c', 'number', 'Bridge loan amount'),
    col('MontPretTxZero__c', 'number', 'Zero-rate loan amount'),
    col('Nombre_de_banques_consultees__c', 'number', 'Banks consulted'),
    col('Origine__c', 'text', "Origin (Web, Web Calcul d'Enveloppe, Franchise)"),
    col('Points_profil__c', 'number', 'Profile score'),
    col('Points_profil_franchise__c', 'number', 'Profile score (franchise)'),
    col('Points_profil_initiaux__c', 'number', 'Initial profile score'),
    col('Points_profil_initiaux_franchise__c', 'number', 'Initial profile score (franchise)'),
    col('PropFinal__c', 'text', 'Final proposition'),
    col('RecordTypeId', 'id', 'Record type'),
    col('Residuel__c', 'number', 'Residual income'),
    col('SituActu__c', 'text', 'Housing situation'),
    col('StageName', 'text', 'Pipeline stage (1-Découverte ... 6-Perdue)'),
    col('Taux_d_apport__c', 'number', 'Contribution rate, %'),
    col('TechMail_CategorieProfessionnelleCoEmpru__c', 'text', "Co-borrower's professional category (not the borrower's)"),
    col('TechMail_CategorieProfessionnelleEmpru__c', 'text', "Borrower's professional category"),
    col('TechMail_ContratDeTravailCoEmprunteur__c', 'text', "Co-borrower's employment contract"),
    col('TechMail_ContratDeTravailEmprunteur__c', 'text', "Borrower's employment contract"),
    col('TotalProposition__c', 'number', 'Number of propositions'),
    col('TotCharges__c', 'number', 'Total monthly charges'),
    col('TotRev__c', 'number', 'Total monthly income'),
    col('Tx_Completude_Pieces__c', 'number', 'Document completeness rate'),
    col('TxEndetApres__c', 'number', 'Debt ratio after the loan, %'),
    col('TypBien__c', 'text', 'Property type'),
    col('TypProj__c', 'text', 'Project type'),
    col('UsagBien__c', 'text', 'Use of the property'),
  ],
};

export const PROPOSITIONS: CrmSource = {
  table: 'propositions',
  rawTable: 'crm_propositions',
  primaryKey: 'Id',
  description: 'CRM propositions export: one row per loan offer made by one bank for one opportunity.',
  columns: [
    col('Id', 'id', 'Proposition id, primary key'),
    col('CreatedDate', 'timestamp', 'Creation time (UTC)'),
    col('Opportunity__c', 'id', 'Opportunity it answers (may match no opportunity)'),
    col('Partenaire__c', 'id', 'Bank that made it: an Id of the banks export (may match none)'),
    col('TXHA__c', 'number', 'Interest rate excluding insurance, %; empty when unknown'),
    col('DureePret_Mois__c', 'number', 'Loan duration, months'),
    col('TauxAss__c', 'number', 'Borrower-insurance rate, %'),
    col('Etape_Source__c', 'text', 'Processing step (free text)'),
  ],
};

export const BANKS: CrmSource = {
  table: 'banks',
  rawTable: 'crm_banks',
  primaryKey: 'Id',
  description: 'CRM banks export: one row per bank id (one bank can have several regional ids).',
  columns: [
    col('Id', 'id', 'Bank id, primary key'),
    col('CreatedDate', 'timestamp', 'Creation time (UTC)'),
    col('Name', 'text', 'Bank name (not unique)'),
  ],
};

export const CRM_SOURCES: Record<CrmTable, CrmSource> = {
  opportunities: OPPORTUNITIES,
  propositions: PROPOSITIONS,
  banks: BANKS,
};
