/**
 * Ten borrowers covering the profile traps: impossible ages (-940, 144, 17.5), a missing age, ages on
 * band edges (18, 25, 60, 100), missing values, and co-borrower columns that differ from the
 * borrower's (reading them would add 'Retraité' and 'CDD' borrowers).
 */
export const BORROWERS: Array<Record<string, unknown>> = [
  borrower('a01', 33, 'CIC', true, 'Salarié du privé', "CDI période d'essai terminée", 'Retraité', 'CDD'),
  borrower('a02', 41, 'CIC', false, 'Salarié du privé', "CDI période d'essai terminée", 'Retraité', 'CDD'),
  borrower('a03', 25, 'BNP PARIBAS', true, 'Salarié du public', 'Fonctionnaire ou assimilé'),
  borrower('a04', -940, 'BNP PARIBAS', false, 'Salarié du privé', 'CDD'),
  borrower('a05', 144, null, null, null, null, 'Retraité', 'CDD'),
  borrower('a06', null, 'CIC', false, 'Dirigeant de société', "CDI période d'essai terminée"),
  borrower('a07', 18, 'LCL', true, 'Salarié du public', 'Fonctionnaire ou assimilé'),
  borrower('a08', 100, 'CIC', false, 'Retraité', 'Autres'),
  borrower('a09', 60, 'LCL', true, 'Salarié du privé', "CDI période d'essai terminée"),
  borrower('a10', 17.5, 'BNP PARIBAS', false, 'Salarié du privé', "CDI période d'essai terminée"),
];

function borrower(
  id: string,
  age: number | null,
  bank: string | null,
  priorMortgage: boolean | null,
  category: string | null,
  contract: string | null,
  coCategory: string | null = null,
  coContract: string | null = null,
): Record<string, unknown> {
  return {
    Id: id,
    Age_emprunteur__c: age,
    BanquePrincipaleEmp__c: bank,
    Deja_souscrit_credit_immo__c: priorMortgage,
    TechMail_CategorieProfessionnelleEmpru__c: category,
    TechMail_ContratDeTravailEmprunteur__c: contract,
    TechMail_CategorieProfessionnelleCoEmpru__c: coCategory,
    TechMail_ContratDeTravailCoEmprunteur__c: coContract,
  };
}
