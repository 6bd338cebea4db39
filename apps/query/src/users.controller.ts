import { Controller, Delete, HttpCode, UseFilters } from '@nestjs/common';
import { type z } from 'zod';
import { HttpErrorFilter, RequestInput, RequireAccess } from '@app/http';
import { type UserDeletedResponse, userRequestSchema } from '@app/query-client';
import { UserDeletion } from '@app/store';

/** A user's data on request: its deletion, for the admin token only. */
@Controller('v1/users')
@UseFilters(HttpErrorFilter)
@RequireAccess('admin')
export class UsersController {
  constructor(private readonly deletion: UserDeletion) {}

  /**
   * Deletes the user's ratings, favourites, feedback, profile and cluster assignment, and their
   * contribution to every cluster aggregate. Events of theirs timestamped up to now are ignored
   * if they arrive later (a replay); a later one starts the user afresh. Idempotent.
   */
  @Delete(':userId')
  @HttpCode(200)
  async delete(
    @RequestInput({ schema: userRequestSchema }) { userId }: z.output<typeof userRequestSchema>,
  ): Promise<UserDeletedResponse> {
    // Event timestamps are in seconds.
    const found = await this.deletion.deleteUser(userId, Math.floor(Date.now() / 1000));
    return { userId, deleted: true, found };
  }
}
