import { ValidateIf } from 'class-validator';

/**
 * Optional, but not nullable: an absent field is skipped, while `null` is validated (and so
 * refused by the field's type rules). class-validator's @IsOptional lets null through too.
 */
export const IsOptionalNotNull = () => ValidateIf((_object, value) => value !== undefined);
