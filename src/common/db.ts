import { QueryFailedError } from 'typeorm';

/** The name of the unique constraint a failed statement violated, if that is what failed. */
export function uniqueViolation(error: unknown): string | null {
  if (error instanceof QueryFailedError) {
    const driverError = error.driverError as { code?: string; constraint?: string };
    if (driverError.code === '23505') return driverError.constraint ?? 'unique';
  }
  return null;
}
